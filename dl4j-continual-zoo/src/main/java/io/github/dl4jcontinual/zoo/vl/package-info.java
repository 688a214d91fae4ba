/**
 * Vision-language building blocks: {@link io.github.dl4jcontinual.zoo.vl.AlignedImageTower}, a DL4J image model
 * ({@code MultiLayerNetwork} or single-input, single-output {@code ComputationGraph} such as the zoo ViT) projected into a text tower's embedding space and aligned with class-name embeddings (the offline substitute for
 * a pretrained CLIP image tower). See {@code docs/prompts-adapters.md}.
 */
package io.github.dl4jcontinual.zoo.vl;
