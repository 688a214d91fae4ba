/**
 * Tests of the library on users' own data pipelines: DataVec readers (an {@code ImageRecordReader} over a PNG folder
 * tree, a {@code CSVRecordReader} behind a {@code TransformProcess}), sequence and multi-input models, runs split
 * over several JVMs, on the real datasets of {@code shared/data}; plus the peak-heap benchmark of
 * {@code docs/data.md} (a main, not part of the suite).
 */
package io.github.dl4jcontinual.datavec;
