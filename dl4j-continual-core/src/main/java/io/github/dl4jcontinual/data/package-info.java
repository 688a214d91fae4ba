/**
 * Real-data readers and the data-directory convention: MNIST/Fashion-MNIST IDX files
 * ({@link io.github.dl4jcontinual.data.IdxDatasets}), DataVec/iterator collection helpers
 * ({@link io.github.dl4jcontinual.data.DataSets}), the in-memory shuffling minibatch iterator used for experiences
 * ({@link io.github.dl4jcontinual.data.InMemoryDataSetIterator}), the rehearsal iterator that joins replayed
 * examples to every minibatch ({@link io.github.dl4jcontinual.data.ReplayDataSetIterator}), and {@link io.github.dl4jcontinual.data.DataDirectory},
 * which resolves where the data lives and says exactly which file is missing.
 */
package io.github.dl4jcontinual.data;
