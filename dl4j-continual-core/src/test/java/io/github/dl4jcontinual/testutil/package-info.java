/**
 * Test helpers shipped in the core test-jar: locating {@code shared/data} (failing under {@code CI=true}
 * when it is missing), the DER-protocol MLP and a SameDiff MLP built as users build them, seconds-fast synthetic
 * data for mechanics tests, a sequential {@code MultiDataSetIterator} source ({@link
 * io.github.dl4jcontinual.testutil.ChunkedMultiDataSetIterator}) and reading an experience back through its
 * iterator ({@link io.github.dl4jcontinual.testutil.Reads}), finite-difference checks of loss gradients
 * ({@link io.github.dl4jcontinual.testutil.NumericGradients}) and double precision for a test class
 * ({@link io.github.dl4jcontinual.testutil.Doubles.ForClass}).
 */
package io.github.dl4jcontinual.testutil;
