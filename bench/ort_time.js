// ONNX Runtime's inference speed on an ONNX model (bench/compare_onnxruntime.py runs it):
//   node ort_time.js MODEL.onnx DIMS THREADS RUNS MIN_SECONDS
// DIMS is the input's shape (1000,28,28,1), filled with random values. After warm-up, each of
// RUNS runs repeats session.run for at least MIN_SECONDS and records images per second; prints
// {"images_per_second": [...]} on one line. The package is found through NODE_PATH.
const ort = require('onnxruntime-node');

async function main() {
  const [model, dimsText, threads, runs, minSeconds] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, {intraOpNumThreads: Number(threads),
                                                            interOpNumThreads: 1,
                                                            graphOptimizationLevel: 'all'});
  const dims = dimsText.split(',').map(Number);
  const data = Float32Array.from({length: dims.reduce((a, b) => a * b)}, () => Math.random());
  const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', data, dims)};
  for (let i = 0; i < 3; ++i) await session.run(feeds);
  const rates = [];
  for (let r = 0; r < Number(runs); ++r) {
    let calls = 0;
    const start = process.hrtime.bigint();
    let seconds = 0;
    do {
      await session.run(feeds);
      ++calls;
      seconds = Number(process.hrtime.bigint() - start) / 1e9;
    } while (seconds < Number(minSeconds));
    rates.push(calls * dims[0] / seconds);
  }
  console.log(JSON.stringify({images_per_second: rates}));
}

main().catch((e) => {
  console.error(`ort_time.js: ${e.message}`);
  process.exit(1);
});
