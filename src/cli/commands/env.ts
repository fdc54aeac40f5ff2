import { environmentReport, reportRows } from '../../lib/env';
import { keyValueTable } from '../../lib/notebook';
import { type Command, parseFlags } from '../command';

export const envCommand: Command = {
  name: 'env',
  usage: 'env [--json]',
  summary: 'report Node, tfjs backend, ffmpeg/ffprobe, Jupyter, CPU cores and memory',
  async run(args) {
    const { values } = parseFlags(args, { json: { type: 'boolean' } }, 'env');
    const report = await environmentReport();
    console.log(values.json ? JSON.stringify(report, null, 2) : keyValueTable(reportRows(report)).text);
    return report.ffmpeg.found && report.ffprobe.found ? 0 : 1;
  },
};
