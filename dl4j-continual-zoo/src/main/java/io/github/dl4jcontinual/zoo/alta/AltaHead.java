package io.github.dl4jcontinual.zoo.alta;

/**
 * The logit heads of ALTA's released {@code --method}s (f1 = frozen image feature, f2 = A(f1) the image adapter,
 * w1 = frozen hand-prompt text "a photo of a {class}.", w2 = learned-prompt text; all cosines scaled by s). See
 * docs/prompts-adapters.md
 */
public enum AltaHead {
    /** ALTA ({@code oritext_mlp2cprompt_oriimg}): s·cos(f1, w2) + s·cos(f2, w1); snapshots; replay. */
    ALTA(true, true, true, true),
    /** {@code mlp}: s·cos(f2, w1); adapter only; replay. */
    MLP(false, true, false, true),
    /** {@code resmlp}: s·cos(f1 + f2, w1); adapter only; replay. */
    RESMLP(false, true, false, true),
    /** {@code sprompt} (plain CoOp): s·cos(f1, w2), one context for all classes, no snapshots, no replay. */
    SPROMPT(true, false, false, false),
    /** {@code cprompt}: s·cos(f1, w2) with per-task snapshots of the class prompts; no replay. */
    CPROMPT(true, false, true, false);

    private final boolean prompt;
    private final boolean adapter;
    private final boolean snapshots;
    private final boolean replay;

    AltaHead(boolean prompt, boolean adapter, boolean snapshots, boolean replay) {
        this.prompt = prompt;
        this.adapter = adapter;
        this.snapshots = snapshots;
        this.replay = replay;
    }

    /** Whether the head learns a text context (w2). */
    public boolean usesPrompt() {
        return prompt;
    }

    /** Whether the head learns the image adapter (f2). */
    public boolean usesAdapter() {
        return adapter;
    }

    /** Whether a finished task's class prompts are frozen (task-aware text representations). */
    public boolean snapshotsPrompts() {
        return snapshots;
    }

    /** Whether the feature/logit replay buffer is used (as in the release). */
    public boolean usesReplay() {
        return replay;
    }

    /** The release's method name. */
    public String releaseName() {
        return this == ALTA ? "oritext_mlp2cprompt_oriimg" : name().toLowerCase(java.util.Locale.ROOT);
    }
}
