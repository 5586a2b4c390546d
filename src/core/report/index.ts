/** The readiness report model and its renderers. Import from here ('core/report'). */
export * from './model';
export * from './text';
export { reportMarkdown } from './markdown';
export { reportJUnit } from './junit';
export { reportSarif, sarifLog, sarifLocation, sarifRegion, SARIF_LEVEL, type SarifRule } from './sarif';
export { VERDICT_WORDS, checkName, examinedText, nextText, evidencePairs, evidenceBlock } from './evidence';
export { oneLine, multiLine, mdCell } from './escape';
export { combineImageReports, imageOfRow } from './images';
