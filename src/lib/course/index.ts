export * from './public';
export { detectIsolation, foldersToHide, isolatedArgv, type Isolation } from './isolation';
export { feedbackStem, shareOf } from './grade';
export { gradeNotebook, sourceOf } from './grade-notebook';
export { exercisesName, instructorNotebooks, MANIFEST, stubSource, studentNotebook } from './release';
export { cellMark, chapterNumber, readCourseNotebook, solutionRegions } from './roles';
export { exercisesCsv, feedbackHtml, gradesCsv, SHEET_FILE, sheetOf, writeSheet } from './sheet';
