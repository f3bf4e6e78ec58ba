using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace VisionPS.Core.Imaging
{
    /// <summary>How a model family turns an image into tokens.</summary>
    public enum VisionFamily
    {
        /// <summary>512-px tiles after fitting 2048x2048 and a 768-px shortest side (gpt-4o, gpt-4.1, gpt-5, o1, o3).</summary>
        Tile,

        /// <summary>32-px patches under a patch budget (gpt-4.1-mini/nano, o4-mini, gpt-5-mini/nano, gpt-5.2 and later).</summary>
        Patch,
    }

    /// <summary>
    /// What a model looks at: its family and token rules, and the size it will scale an image to. Sending more pixels
    /// than that wastes bytes and upload time without showing the model anything more. The rules are data
    /// (<see cref="ModelCatalog"/>): the module's own <c>models.json</c>, plus the user's.
    /// </summary>
    public sealed class ModelVision
    {
        internal ModelVision(string name, VisionFamily family)
        {
            Name = name;
            Family = family;
        }

        /// <summary>The model name the rules are known by (e.g. <c>gpt-4.1-mini</c>); it matches that name and its dated snapshots.</summary>
        public string Name { get; }

        /// <summary>Tile or patch rules.</summary>
        public VisionFamily Family { get; }

        /// <summary>Tile models: tokens every image costs (all that <c>low</c> costs).</summary>
        public int BaseTokens { get; internal set; }

        /// <summary>Tile models: tokens per tile.</summary>
        public int TileTokens { get; internal set; }

        /// <summary>Tile models: the side of a tile (512 px).</summary>
        public int TileSize { get; internal set; } = 512;

        /// <summary>Tile models: the shortest side an image is scaled to at most (768 px).</summary>
        public int ShortSide { get; internal set; } = 768;

        /// <summary>Patch models: the side of a patch (32 px).</summary>
        public int PatchSize { get; internal set; } = 32;

        /// <summary>Patch models: the most patches an image may use at <c>high</c>/<c>auto</c>.</summary>
        public int PatchBudget { get; internal set; }

        /// <summary>Patch models: tokens per patch.</summary>
        public double PatchMultiplier { get; internal set; } = 1.0;

        /// <summary>Whether <c>detail: original</c> exists (gpt-5.4 and later).</summary>
        public bool SupportsOriginal { get; internal set; }

        /// <summary>Whether <c>auto</c> (an omitted detail) means <c>original</c> (the gpt-5.6 family).</summary>
        public bool AutoMeansOriginal { get; internal set; }

        /// <summary>Patch budget at <c>original</c> (the service scales down to it); 0 when there is none.</summary>
        public int OriginalPatchBudget { get; internal set; }

        /// <summary>
        /// The most patches the service accepts at <c>original</c> when it has no budget (it rejects larger images rather
        /// than scaling them); VisionPS scales prepared images down to it. 0 when there is none.
        /// </summary>
        public int OriginalPatchLimit { get; internal set; }

        /// <summary>Largest side at <c>original</c>.</summary>
        public int OriginalMaxSide { get; internal set; }

        /// <summary>The box every image is fitted into first (2048 px).</summary>
        public int MaxSide { get; internal set; } = 2048;

        /// <summary>The box of a <c>low</c> look (512 px).</summary>
        public int LowSide { get; internal set; } = 512;

        /// <summary>Where the rules were read: <c>built-in</c> or the user's models.json path.</summary>
        public string Origin { get; internal set; } = "built-in";

        /// <summary>Where the numbers come from, as the data file says.</summary>
        public string? Source { get; internal set; }

        /// <summary>The rules the estimates use when no model, or an unknown one, is named (the data file's <c>default</c>: gpt-4o tiles).</summary>
        public static ModelVision Default => ModelCatalog.Current.Default;

        /// <summary>The model names (prefixes) whose image rules are known, for tab completion.</summary>
        public static IEnumerable<string> KnownModels() => ModelCatalog.Current.Models.Select(m => m.Name);

        /// <summary>The rules for <paramref name="model"/> (dated snapshots such as <c>gpt-4o-2024-08-06</c> included), or null if unknown.</summary>
        public static ModelVision? Find(string? model) => ModelCatalog.Current.Find(model);

        /// <summary>One line describing the rules, for warnings and verbose text.</summary>
        public string Describe() => Family == VisionFamily.Tile
            ? $"{Name}: tiles, {BaseTokens} + {TileTokens} per {TileSize}-px tile, {MaxSide}-px box, shortest side {ShortSide}"
            : $"{Name}: {PatchSize}-px patches x {PatchMultiplier.ToString(CultureInfo.InvariantCulture)}, "
              + $"{PatchBudget} patches in a {MaxSide}-px box"
              + (SupportsOriginal
                  ? (OriginalPatchBudget > 0
                      ? $", original {OriginalPatchBudget} patches in {OriginalMaxSide} px"
                      : $", original up to {OriginalMaxSide} px" + (OriginalPatchLimit > 0 ? $" and {OriginalPatchLimit} patches" : string.Empty))
                    + (AutoMeansOriginal ? " (auto = original)" : string.Empty)
                  : string.Empty);

        /// <summary>
        /// The rules that decide the size an image is prepared at (<see cref="TargetSize"/>), as culture-invariant text: what
        /// the answer cache's source index keys on. Not the name, where the rules were read, their notes or token prices,
        /// which change no image.
        /// </summary>
        internal string SizingKey() => string.Format(CultureInfo.InvariantCulture,
            "{0} box {1} low {2} short {3} patch {4} budget {5} original {6} auto {7} box {8} budget {9} limit {10}",
            Family, MaxSide, LowSide, ShortSide, PatchSize, PatchBudget, SupportsOriginal, AutoMeansOriginal,
            OriginalMaxSide, OriginalPatchBudget, OriginalPatchLimit);

        /// <summary>
        /// The size (width, height) the model scales a <paramref name="width"/> x <paramref name="height"/> image to
        /// for <paramref name="detail"/>; never larger than the image.
        /// </summary>
        public (int Width, int Height) TargetSize(int width, int height, ImageDetail detail)
        {
            if (detail == ImageDetail.Low)
            {
                return SizeRules.FitWithin(width, height, LowSide, LowSide);
            }
            if (Family == VisionFamily.Tile)
            {
                (int w, int h) = SizeRules.FitWithin(width, height, MaxSide, MaxSide);
                return SizeRules.ShortSideAtMost(w, h, ShortSide);
            }
            bool original = SupportsOriginal
                && (detail == ImageDetail.Original || (detail == ImageDetail.Auto && AutoMeansOriginal));
            int box = original ? OriginalMaxSide : MaxSide;
            (int fw, int fh) = SizeRules.FitWithin(width, height, box, box);
            if (!original)
            {
                return FitPatchBudget(fw, fh, PatchBudget, PatchSize);
            }
            if (OriginalPatchBudget > 0)
            {
                return FitPatchBudget(fw, fh, OriginalPatchBudget, PatchSize);
            }
            // No budget: the service keeps the size, and refuses an image over the limit; shrink to what it accepts.
            return OriginalPatchLimit > 0 ? FitPatchBudget(fw, fh, OriginalPatchLimit, PatchSize) : (fw, fh);
        }

        /// <summary>Tokens the model charges for an image it sees at <paramref name="width"/> x <paramref name="height"/>.</summary>
        public int EstimateTokens(int width, int height, ImageDetail detail)
        {
            if (Family == VisionFamily.Tile)
            {
                if (detail == ImageDetail.Low)
                {
                    return BaseTokens;
                }
                (int w, int h) = TargetSize(width, height, detail);
                int tiles = CeilDiv(w, TileSize) * CeilDiv(h, TileSize);
                return BaseTokens + (tiles * TileTokens);
            }
            (int pw, int ph) = TargetSize(width, height, detail);
            long patches = (long)CeilDiv(pw, PatchSize) * CeilDiv(ph, PatchSize);
            return (int)Math.Ceiling((patches * PatchMultiplier) - 1e-9);
        }

        /// <summary>Number of 32-px patches that cover a <paramref name="width"/> x <paramref name="height"/> image.</summary>
        public static int Patches(int width, int height) => CeilDiv(width, 32) * CeilDiv(height, 32);

        /// <summary>
        /// Scales an image down so whole patches cover it within <paramref name="budget"/>: scale by
        /// sqrt(p*p*budget/(w*h)), then shrink further so the constraining side is a whole number of patches.
        /// </summary>
        public static (int Width, int Height) FitPatchBudget(int width, int height, int budget, int patchSize = 32)
        {
            if ((long)CeilDiv(width, patchSize) * CeilDiv(height, patchSize) <= budget)
            {
                return (width, height);
            }
            double p = patchSize;
            double shrink = Math.Sqrt(p * p * budget / ((double)width * height));
            double pw = width * shrink / p, ph = height * shrink / p;
            double adjust = shrink * Math.Min(Math.Floor(pw + 1e-9) / pw, Math.Floor(ph + 1e-9) / ph);
            int w = Math.Max(1, (int)Math.Floor((width * adjust) + 1e-6));
            int h = Math.Max(1, (int)Math.Floor((height * adjust) + 1e-6));
            return (w, h);
        }

        /// <inheritdoc/>
        public override string ToString() => Name;

        private static int CeilDiv(int a, int b) => (a + b - 1) / b;
    }
}
