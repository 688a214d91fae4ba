package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.cil.BiasCorrection;
import io.github.dl4jcontinual.cil.IcarlConfiguration;
import io.github.dl4jcontinual.cil.LucirConfiguration;
import io.github.dl4jcontinual.cil.DynamicExpansion;
import io.github.dl4jcontinual.cil.WeightAligning;
import io.github.dl4jcontinual.distillation.DistillationMode;
import io.github.dl4jcontinual.distillation.LwfConfiguration;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.plugin.impl.CumulativeTraining;
import io.github.dl4jcontinual.plugin.impl.JointTraining;
import io.github.dl4jcontinual.regularization.RegularizationConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationMethod;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.strategy.DarkExperienceReplay;
import io.github.dl4jcontinual.replay.strategy.DerTargets;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.replay.strategy.Gss;
import io.github.dl4jcontinual.replay.strategy.GDumb;
import io.github.dl4jcontinual.replay.strategy.MaximallyInterferedRetrieval;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The one place where the benchmark commands turn a strategy name ({@code --strategies}, {@code --methods}) into the
 * trainer's plugins. A strategy is a factory from {@link Params}, the hyper-parameters the calling command fixes;
 * its {@link Protocol} says which published (or the library's default) values a strategy takes where protocols
 * differ. {@link #names(Protocol)} lists the names a protocol knows (for help and validation);
 * {@link #plugins(String, Params)} refuses any other name with an {@link IllegalArgumentException} listing them.
 * Immutable; thread-safe.
 */
final class StrategyRegistry {
    /** Whose hyper-parameters a strategy takes where the commands' protocols differ. */
    enum Protocol {
        /**
         * The library's defaults on the caller's buffer and batch: {@code benchmark}, {@code daformer},
         * {@code alta} (EWC λ 1, LwF's defaults, DER++ α 0.3 β 0.5).
         */
        DEFAULT,
        /**
         * Buzzega et al. 2020 (Mammoth) on Seq-MNIST: {@code split-mnist}, {@code spark-split-mnist},
         * {@code reproduce-regularization --protocol der}; ER / DER++ from {@link DerTargets} at the buffer size.
         */
        DER,
        /** van de Ven &amp; Tolias 2019: {@code reproduce-regularization --protocol vdv} (task-IL or class-IL λ). */
        VDV,
        /** The exemplar memories of {@code reproduce-cil} (class-balanced memory, PyCIL's methods). */
        CIL,
        /** The core plugins of {@code ctp}: importance from minibatch gradients at the training batch size. */
        CTP,
        /**
         * Online, boundary-free runs ({@code online}): MIR's released MNIST protocol (replay 10, 50 candidates, the
         * virtual step at the training learning rate, {@code --compare_to_old_logits}); every strategy boundary-free.
         */
        ONLINE
    }

    /** The hyper-parameters a strategy may read; a command sets those its protocol fixes. Mutable, fluent. */
    static final class Params {
        final Protocol protocol;
        int batch = 10;
        Integer replayBatch;
        int buffer = 500;
        BufferConfiguration memory;
        int perClass;
        boolean taskIl = true;
        double lr = 0.1;
        int subsample = 50;
        boolean excludeCurrent;

        /** @param protocol whose values the strategies take */
        Params(Protocol protocol) {
            this.protocol = Objects.requireNonNull(protocol, "protocol");
        }

        /** @param b the training minibatch (the default replay batch and the importance batch of CTP) */
        Params batch(int b) {
            batch = b;
            return this;
        }

        /** @param b the replay batch of ER / DER++ / exemplar replay (default: the batch) */
        Params replayBatch(int b) {
            replayBatch = b;
            return this;
        }

        /** @param n the reservoir buffer size of ER / DER++ (default 500) */
        Params buffer(int n) {
            buffer = n;
            return this;
        }

        /**
         * @param m        the exemplar memory ({@link Protocol#CIL})
         * @param perClass exemplars per class at the end of the stream (BiC holds out a tenth of it)
         */
        Params memory(BufferConfiguration m, int perClass) {
            this.memory = m;
            this.perClass = perClass;
            return this;
        }

        /** @param task whether the van de Ven protocol runs task-IL (else class-IL) */
        Params taskIl(boolean task) {
            taskIl = task;
            return this;
        }

        /**
         * @param learningRate the training learning rate (MIR's virtual step)
         * @param candidates   MIR's candidates per minibatch
         */
        Params mir(double learningRate, int candidates) {
            lr = learningRate;
            subsample = candidates;
            return this;
        }

        /** @param exclude MIR / random replay draw only earlier experiences' rows (the released code's rule) */
        Params excludeCurrent(boolean exclude) {
            excludeCurrent = exclude;
            return this;
        }

        int replay() {
            return replayBatch != null ? replayBatch : batch;
        }
    }

    private static final class Entry {
        final String description;
        final Set<Protocol> protocols;
        final Function<Params, List<PluginConfiguration>> factory;

        Entry(String description, Set<Protocol> protocols, Function<Params, List<PluginConfiguration>> factory) {
            this.description = description;
            this.protocols = protocols;
            this.factory = factory;
        }
    }

    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();

    static {
        Set<Protocol> all = EnumSet.allOf(Protocol.class);
        Set<Protocol> mlp = EnumSet.of(Protocol.DEFAULT, Protocol.DER);
        Set<Protocol> regularization = EnumSet.of(Protocol.DER, Protocol.VDV);
        add("naive", "fine-tuning, no plugin", EnumSet.complementOf(EnumSet.of(Protocol.CIL)), p -> List.of());
        add("joint", "one training on the union of all experiences, after the last", EnumSet.of(Protocol.DEFAULT,
                Protocol.DER, Protocol.CTP), p -> List.of(new JointTraining()));
        add("cumulative", "every experience trained on the union of all so far", mlp,
                p -> List.of(new CumulativeTraining()));
        add("er", "experience replay (reservoir buffer; CIL: the class-balanced herding memory)", all, p -> {
            switch (p.protocol) {
                case DER:
                    return List.of(DerTargets.get("er/" + p.buffer).plugin());
                case CIL:
                    return List.of(new ExperienceReplay.Builder().buffer(p.memory).replayBatch(p.replay()).build());
                default:
                    return List.of(new ExperienceReplay.Builder().bufferSize(p.buffer).replayBatch(p.replay())
                            .build());
            }
        });
        add("der++", "dark experience replay++", EnumSet.of(Protocol.DEFAULT, Protocol.DER, Protocol.ONLINE), p -> List.of(p.protocol == Protocol.DER
                ? DerTargets.get("der++/" + p.buffer).plugin()
                : new DarkExperienceReplay.Builder().alpha(0.3).beta(0.5).bufferSize(p.buffer)
                .replayBatch(p.replay()).build()));
        add("gss", "ER on a greedy gradient-based sample selection buffer (GSS)", EnumSet.of(Protocol.DEFAULT,
                Protocol.DER, Protocol.ONLINE), p -> List.of(
                p.protocol == Protocol.DER ? DerTargets.get("gss/" + p.buffer).plugin()
                        : new Gss.Builder().bufferSize(p.buffer).replayBatch(p.replay()).build()));
        add("ewc", "elastic weight consolidation", EnumSet.of(Protocol.DEFAULT, Protocol.DER, Protocol.VDV,
                Protocol.CTP), p -> {
                    switch (p.protocol) {
                        case DER:
                            return reg(RegularizationMethod.EWC, 90);
                        case VDV: // the preprints branch's λ halved: this library's penalty has no ½
                            return reg(RegularizationMethod.EWC, p.taskIl ? 1e7 / 2 : 1e8 / 2);
                        case CTP:
                            return ctp(RegularizationMethod.EWC, 5000, p);
                        default:
                            // λ does not change the cost; 1 keeps plain SGD stable on every benchmark model (90,
                            // the DER protocol's online-EWC value, diverges on small experiences where EWC's summed
                            // Fisher is large)
                            return reg(RegularizationMethod.EWC, 1);
                    }
                });
        Set<Protocol> online = EnumSet.of(Protocol.ONLINE);
        add("mir", "maximally interfered retrieval (ER-MIR, reservoir buffer)", online, p -> List.of(
                new MaximallyInterferedRetrieval.Builder().bufferSize(p.buffer).replayBatch(p.replay())
                        .subsample(p.subsample).virtualLearningRate(p.lr).compareToBestLoss(true)
                        .excludeCurrentExperience(p.excludeCurrent).build()));
        add("rand-replay", "the MIR code's random replay (ER with its loss: mean(current) + mean(replay))", online,
                p -> List.of(new MaximallyInterferedRetrieval.Builder().bufferSize(p.buffer).replayBatch(p.replay())
                        .subsample(p.replay()).virtualLearningRate(p.lr).excludeCurrentExperience(p.excludeCurrent)
                        .build()));
        add("gdumb", "GDumb (greedy class-balanced buffer, retrained from scratch before each evaluation)", online,
                p -> List.of(new GDumb.Builder().bufferSize(p.buffer).build()));
        add("oewc-stream", "online EWC's streaming form (running Fisher, re-anchored every 100 rows; not tuned)",
                online, p -> List.of(new RegularizationConfiguration.Builder(RegularizationMethod.ONLINE_EWC)
                        .lambda(1).gamma(0.9).fisherDecay(0.9).anchorEvery(100).build()));
        add("oewc", "online EWC", regularization, p -> List.of(p.protocol == Protocol.DER
                ? new RegularizationConfiguration.Builder(RegularizationMethod.ONLINE_EWC).lambda(90).gamma(1.0).build()
                : new RegularizationConfiguration.Builder(RegularizationMethod.ONLINE_EWC)
                .lambda(p.taskIl ? 1e8 / 2 : 1e9 / 2).gamma(0.8).build()));
        add("si", "synaptic intelligence", regularization, p -> List.of(p.protocol == Protocol.DER
                ? new RegularizationConfiguration.Builder(RegularizationMethod.SI).lambda(1.0).xi(0.9).build()
                : new RegularizationConfiguration.Builder(RegularizationMethod.SI).lambda(p.taskIl ? 50 : 0.5).xi(0.1)
                .build()));
        add("mas", "memory aware synapses", EnumSet.of(Protocol.DER, Protocol.VDV, Protocol.CTP), p -> {
            switch (p.protocol) {
                case DER:
                    // no published Seq-MNIST value: λ = 0.1 is the largest power of ten keeping plain SGD stable,
                    // 2·lr·λ·max Ω < 1, with max Ω ≈ 70 after the first experience (training data; logged as
                    // mas.importance_max). λ = 1 diverges (NaN).
                    return reg(RegularizationMethod.MAS, 0.1);
                case CTP:
                    return ctp(RegularizationMethod.MAS, 1, p);
                default:
                    return reg(RegularizationMethod.MAS, 1.0);
            }
        });
        add("rwalk", "Riemannian walk", EnumSet.of(Protocol.DER, Protocol.VDV, Protocol.CTP), p -> p.protocol
                == Protocol.CTP ? ctp(RegularizationMethod.RWALK, 1000, p)
                // Avalanche's defaults (λ 0.1, α 0.9); RWalk's importance is normalised to [0, 2]
                : List.of(new RegularizationConfiguration.Builder(RegularizationMethod.RWALK).lambda(0.1)
                .fisherDecay(0.9).build()));
        add("lwf", "learning without forgetting", EnumSet.of(Protocol.DEFAULT, Protocol.DER, Protocol.VDV), p -> {
            switch (p.protocol) {
                case DER: // Mammoth (with weight decay 5e-4 on the network, see reproduce-regularization)
                    return List.of(new LwfConfiguration.Builder().alpha(1).temperature(2)
                            .mode(DistillationMode.OLD_CLASSES_SOFTMAX).scaleByTemperatureSquared(false).build());
                case VDV: // T² scaling, distillation weighted by the number of previous tasks
                    return List.of(new LwfConfiguration.Builder().alpha(1).temperature(2)
                            .mode(p.taskIl ? DistillationMode.MULTI_HEAD : DistillationMode.SEEN_CLASSES_SOFTMAX)
                            .scaleByTemperatureSquared(true).weightByPreviousExperiences(true).build());
                default:
                    return List.of(new LwfConfiguration.Builder().build());
            }
        });
        Set<Protocol> cil = EnumSet.of(Protocol.CIL);
        add("replay", "PyCIL's Replay: exemplars joined to the experience's training set", cil,
                p -> List.of(union(p.memory)));
        add("wa", "replay + weight aligning", cil, p -> List.of(union(p.memory), new WeightAligning()));
        // WA as PyCIL trains it: (1 − λ)·CE + λ·KD over the old classes at T = 2 (no T²), λ = old / seen classes,
        // i.e. CE + (old / new)·KD, which for equal experiences is α = number of previous experiences; then weight
        // aligning
        add("wa-kd", "replay + PyCIL's WA distillation + weight aligning", cil, p -> List.of(union(p.memory),
                new LwfConfiguration.Builder().alpha(1).temperature(2).mode(DistillationMode.OLD_CLASSES_SOFTMAX)
                        .scaleByTemperatureSquared(false).weightByPreviousExperiences(true).build(),
                new WeightAligning()));
        add("bic", "replay + bias correction on a tenth of the memory held out", cil, StrategyRegistry::bic);
        // PyCIL's DER: the union of the experience and the exemplars, dynamic expansion, then weight aligning
        add("der-expansion", "DER: replay + a new frozen-old feature extractor per experience + weight aligning", cil,
                p -> List.of(union(p.memory), new DynamicExpansion(), new WeightAligning()));
        add("der-no-wa", "DER without weight aligning (a diagnostic of the recipe)", cil,
                p -> List.of(union(p.memory), new DynamicExpansion()));
        // PyCIL's MEMO on the protocol's MLP as DL4J's toComputationGraph() names it: the first hidden layer ("0")
        // is shared and keeps training (train_base), the second is copied per experience
        add("memo", "MEMO: DER with the first hidden layer shared, only the deeper one copied", cil,
                p -> List.of(union(p.memory), new DynamicExpansion().withSharedUpTo("0", true),
                        new WeightAligning()));
        // T = 2 as in van de Ven's and PyCIL's iCaRL implementations (the paper: 1)
        add("icarl", "iCaRL (sigmoid head, distillation at T = 2, nearest-mean-of-exemplars)", cil,
                p -> List.of(new IcarlConfiguration.Builder().buffer(p.memory).temperature(2).build()));
        add("lucir", "LUCIR (cosine classifier and its losses)", cil,
                p -> List.of(new LucirConfiguration.Builder().buffer(p.memory).build()));
    }

    private StrategyRegistry() {
    }

    private static void add(String name, String description, Set<Protocol> protocols,
                            Function<Params, List<PluginConfiguration>> factory) {
        ENTRIES.put(name, new Entry(description, protocols, factory));
    }

    private static List<PluginConfiguration> reg(RegularizationMethod m, double lambda) {
        return List.of(new RegularizationConfiguration.Builder(m).lambda(lambda).build());
    }

    /** Importance from minibatch gradients at the training batch size: the contrastive loss has no per-example form. */
    private static List<PluginConfiguration> ctp(RegularizationMethod m, double lambda, Params p) {
        return List.of(new RegularizationConfiguration.Builder(m).lambda(lambda).importanceBatchSize(p.batch).build());
    }

    /** PyCIL's "Replay": the exemplars are added to the experience's training set (softmax head, no distillation). */
    private static IcarlConfiguration union(BufferConfiguration memory) {
        return new IcarlConfiguration.Builder().buffer(memory).distillation(false).nearestMean(false).build();
    }

    private static List<PluginConfiguration> bic(Params p) {
        int validation = Math.max(1, p.perClass / 10);
        if (p.perClass <= validation) {
            throw new IllegalArgumentException("bic keeps " + validation + " validation examples per class out of the "
                    + "memory: --per-class should be > " + validation + " (got: " + p.perClass + ")");
        }
        BufferConfiguration m = p.memory;
        BufferConfiguration smaller = m.getPerClass() > 0 ? m.toBuilder().perClass(m.getPerClass() - validation).build()
                : m.toBuilder().capacity(m.getCapacity() * (p.perClass - validation) / p.perClass).build();
        return List.of(new BiasCorrection.Builder().validationPerClass(validation).build(), union(smaller));
    }

    /** @return every strategy name, in registration order */
    static List<String> names() {
        return List.copyOf(ENTRIES.keySet());
    }

    /**
     * @param protocol a protocol
     * @return the names it knows, in registration order
     */
    static List<String> names(Protocol protocol) {
        List<String> out = new ArrayList<>();
        ENTRIES.forEach((n, e) -> {
            if (e.protocols.contains(protocol)) {
                out.add(n);
            }
        });
        return out;
    }

    /**
     * @param name a strategy name
     * @return its one-line description
     * @throws IllegalArgumentException for an unknown name
     */
    static String description(String name) {
        Entry e = ENTRIES.get(name);
        if (e == null) {
            throw new IllegalArgumentException("Unknown strategy '" + name + "'; strategies are "
                    + String.join(", ", names()));
        }
        return e.description;
    }

    /**
     * @param name   a strategy name
     * @param params the command's hyper-parameters
     * @return the plugins, in order (empty for naive)
     * @throws IllegalArgumentException if the protocol does not know the name (the message lists those it knows)
     */
    static List<PluginConfiguration> plugins(String name, Params params) {
        check(params.protocol, List.of(name));
        return ENTRIES.get(name).factory.apply(params);
    }

    /**
     * @param protocol the protocol
     * @param names    strategy names
     * @throws IllegalArgumentException naming the first one the protocol does not know, and listing those it knows
     */
    static void check(Protocol protocol, Collection<String> names) {
        for (String n : names) {
            Entry e = ENTRIES.get(n);
            if (e == null || !e.protocols.contains(protocol)) {
                throw new IllegalArgumentException("Unknown strategy '" + n + "'; " + (e == null ? "" : "not defined "
                        + "for the " + protocol.name().toLowerCase(java.util.Locale.ROOT) + " protocol; ")
                        + "strategies are " + String.join(", ", names(protocol)));
            }
        }
    }
}
