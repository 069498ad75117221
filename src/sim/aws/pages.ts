/** One page of a listing: the `index`-th slice of `size` items, and whether more follow. */
export interface Page<T> {
  items: T[];
  more: boolean;
}

export const slicePage = <T>(all: T[], index: number, size: number): Page<T> =>
  ({ items: all.slice(index * size, (index + 1) * size), more: all.length > (index + 1) * size });

/**
 * A paginated listing read to the end, one request per page (at least one), as the adapters
 * read AWS's: a large account costs as many requests in the simulation as on AWS.
 */
export async function paged<T>(requestPage: (index: number) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  for (let index = 0; ; index++) {
    const page = await requestPage(index);
    items.push(...page.items);
    if (!page.more) return items;
  }
}
