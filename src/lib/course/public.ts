/**
 * Course tools for instructors: `releaseCourse` writes the student copy
 * (solutions stubbed, hidden checks removed), `gradeCourse` runs submitted
 * notebooks with the hidden checks in their own confined kernels and writes
 * the grade sheet, `mergeSheets` joins the sheets of a sharded run. The
 * `actlab course` command calls these; docs/course.md tells the whole story.
 *
 * What the package root exports as `course`.
 *
 * @packageDocumentation
 */
export { CourseGradeError, DEFAULT_LIMITS, gradeCourse, type GradeOptions } from './grade';
export { type ExerciseGrade, type GradeLimits, GradingInterruptedError, type SubmissionGrade } from './grade-notebook';
export { type CourseManifest, releaseCourse, type ReleasedNotebook, type ReleaseOptions } from './release';
export { CourseNotebookError, type ExerciseInfo } from './roles';
export { type ExerciseSummary, type GradeSheet, mergeSheets, MergeGradesError, readSheet } from './sheet';
