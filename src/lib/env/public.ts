/**
 * The environment report of chapter 00.
 *
 * What the package root exports as `env`; actlab's own code (CLI, tests)
 * imports the whole folder through ./index, also `actlab/internal`.
 *
 * @packageDocumentation
 */
export { environmentReport, reportRows, showReport, type EnvironmentReport, type ToolReport } from './report';
