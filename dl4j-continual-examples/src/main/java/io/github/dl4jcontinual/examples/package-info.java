/**
 * Short programs to copy, each a plain {@code main} that starts from a network built with DL4J's ordinary builders
 * and learns a class-incremental stream of real data: {@link io.github.dl4jcontinual.examples.OwnMlpExperienceReplay}
 * (the README's main command), {@link io.github.dl4jcontinual.examples.OwnCnnFromPngFolders} (DataVec's
 * {@code ImageRecordReader} over a PNG folder tree, DER++), {@link io.github.dl4jcontinual.examples.OnlineEwcPermutedMnist},
 * {@link io.github.dl4jcontinual.examples.IcarlSplitMnist}, {@link io.github.dl4jcontinual.examples.ResumeAfterCrash},
 * {@link io.github.dl4jcontinual.examples.ArbiterSearch}, {@link io.github.dl4jcontinual.examples.SparkExperienceReplay}
 * and one per research method (L2P, ALTA, ATLAS, DAFormer, iTAML, CTP). The first argument is the data directory
 * (else the environment variable {@code DL4J_CONTINUAL_DATA}, else {@code ~/.dl4j-continual/data}); a missing file
 * is reported with its name, its expected path and where to get it. The paper reproductions are in the
 * {@code dl4j-continual-benchmarks} module.
 */
package io.github.dl4jcontinual.examples;
