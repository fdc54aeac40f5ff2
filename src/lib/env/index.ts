export { environmentReport, reportRows, showReport, type EnvironmentReport, type ToolReport } from './report';
