// The benchmark (end-to-end time against the critical path, an eksctl-style sequence,
// concurrency and API latency) arrives with its issue; until then this says so and fails
// nothing, so `npm run bench` is never mistaken for a measurement.
process.stdout.write('npm run bench: not yet — the benchmark lands with the "out of the box and measured" issue.\n');
