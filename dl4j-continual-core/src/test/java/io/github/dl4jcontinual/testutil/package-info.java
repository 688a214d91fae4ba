/**
 * Test helpers shipped in the core test-jar: locating {@code shared/data} (failing under {@code CI=true}
 * when it is missing), the DER-protocol MLP, and a seconds-fast synthetic scenario for mechanics tests.
 */
package io.github.dl4jcontinual.testutil;
