/** Every item of a paginated AWS listing, following its token until the last page. */
export async function allPages<T>(page: (token: string | undefined) => Promise<{ items: T[] | undefined; next: string | undefined } | undefined>): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const result = await page(token);
    items.push(...(result?.items ?? []));
    token = result?.next;
  } while (token);
  return items;
}
