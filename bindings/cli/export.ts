// `gatedrnn export <model> --onnx out.onnx`: a model file as a standard ONNX graph
// (bindings/model/onnx.ts: one RNN / LSTM / GRU node per layer and the head, dynamic T and B),
// for ONNX Runtime and the tools that read ONNX. Options and paths are checked before the model
// is read; the file is written atomically.
import type { Command } from 'commander';
import { loadModel } from '../node.js';
import { writeFileAtomic } from '../io/file-node.js';
import { describeConfig } from '../model/config.js';
import { exportOnnx, ONNX_OPSET } from '../model/onnx.js';
import { checkInputFile, prepareOutputFile } from './checks.js';

interface ExportOpts { onnx: string; initialStates?: boolean }

/** What the graph takes and gives, for the summary line. */
function signature(unit: string, headless: boolean, states: boolean): string {
  const lstm = unit === 'lstm';
  const inputs = ['x', ...(states ? ['h0', ...(lstm ? ['c0'] : [])] : [])];
  const outputs = [...(headless ? [] : ['outputs', 'logits']), 'hidden', 'h_n', ...(lstm ? ['c_n'] : [])];
  return `inputs ${inputs.join(', ')}; outputs ${outputs.join(', ')}`;
}

async function exportCmd(file: string, o: ExportOpts): Promise<void> {
  await checkInputFile(file, 'model file');
  const out = await prepareOutputFile(o.onnx, '.onnx', '--onnx');
  const model = await loadModel(file);
  try {
    const states = !!o.initialStates, bytes = exportOnnx(model, { initialStates: states });
    await writeFileAtomic(out, bytes);
    const c = model.config;
    console.log(`wrote ${o.onnx}: ${describeConfig(c)}, ONNX opset ${ONNX_OPSET}, ${signature(c.unit, c.head.type === 'none', states)}; ${bytes.length} bytes`);
  } finally {
    model.dispose();
  }
}

export function registerExport(program: Command): Command {
  return program.command('export').description('write a model as a standard ONNX file (RNN / LSTM / GRU nodes and the head; dynamic time and batch)')
    .argument('<model>', 'model file (.safetensors, or a plain PyTorch .pt / safetensors state_dict)')
    .requiredOption('--onnx <file.onnx>', 'where to write the ONNX model')
    .option('--initial-states', 'give the graph inputs h0 (and c0), (layers, B, H); without it every sequence starts from zero states')
    .addHelpText('after', '\nExit codes: 0 done; 1 a bad option, file or model (one line: gatedrnn: <Error> (<code>): what is\nwrong), checked before the model is read.')
    .action((file: string, o: ExportOpts) => exportCmd(file, o));
}
