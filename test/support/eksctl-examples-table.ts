import { examplesTable, translateExamples } from './eksctl-examples';

// `npm run -s eksctl-examples`: the per-example table of eksctl's own configs, as .ci/run prints it.
const results = await translateExamples();
console.log(examplesTable(results));
