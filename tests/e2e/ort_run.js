// Runs an ONNX model in ONNX Runtime (the npm package onnxruntime-node, CPU) on float32 inputs
// read from a file and writes its first output as raw little-endian float32:
//   node ort_run.js MODEL.onnx INPUT.f32 DIMS OUTPUT.f32 [THREADS]
// DIMS is the input's shape, comma-separated (100,28,28,1). The package is found through NODE_PATH
// (scripts/test.sh installs it under build/onnxruntime/node_modules).
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const [model, inputPath, dimsText, outputPath, threads] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, {intraOpNumThreads: Number(threads || 2),
                                                            interOpNumThreads: 1});
  const bytes = fs.readFileSync(inputPath);
  const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const dims = dimsText.split(',').map(Number);
  const results = await session.run({[session.inputNames[0]]: new ort.Tensor('float32', data, dims)});
  const out = results[session.outputNames[0]];
  if (out.type !== 'float32') throw new Error(`the output is ${out.type}, not float32`);
  fs.writeFileSync(outputPath, Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength));
}

main().catch((e) => {
  console.error(`ort_run.js: ${e.message}`);
  process.exit(1);
});
