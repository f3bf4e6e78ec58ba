using System;
using System.Linq;
using System.Collections.Generic;
using System.Globalization;

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
    /// What a model looks at: its family and token rules (from the OpenAI vision guide, see
    /// ../shared/openai/README.md), and the size it will scale an image to. Sending more pixels than that wastes
    /// bytes and upload time without showing the model anything more.
    /// </summary>
    public sealed class ModelVision
    {
        private static readonly List<(string Prefix, ModelVision Vision)> s_models = new()
        {
            // Longest names first: "gpt-5.4-mini" must win over "gpt-5.4", "gpt-4o-mini" over "gpt-4o".
            ("gpt-5.4-mini", Patch("gpt-5.4-mini", 1.62)),
            ("gpt-5.4-nano", Patch("gpt-5.4-nano", 2.46)),
            ("gpt-4.1-mini", Patch("gpt-4.1-mini", 1.62)),
            ("gpt-4.1-nano", Patch("gpt-4.1-nano", 2.46)),
            ("gpt-4o-mini", Tile("gpt-4o-mini", 2833, 5667)),
            ("gpt-5-mini", Patch("gpt-5-mini", 1.62)),
            ("gpt-5-nano", Patch("gpt-5-nano", 2.46)),
            ("o4-mini", Patch("o4-mini", 1.72)),
            ("gpt-5.2", Patch("gpt-5.2", 1.0)),
            ("gpt-5.4", Patch("gpt-5.4", 1.0, highBudget: 2500, original: true)),
            ("gpt-5.5", Patch("gpt-5.5", 1.0, highBudget: 2500, original: true)),
            ("gpt-4.1", Tile("gpt-4.1", 85, 170)),
            ("gpt-4.5", Tile("gpt-4.5", 85, 170)),
            ("gpt-4o", Tile("gpt-4o", 85, 170)),
            ("gpt-5", Tile("gpt-5", 70, 140)),
            ("o1", Tile("o1", 75, 150)),
            ("o3", Tile("o3", 75, 150)),
        };

        private ModelVision(string name, VisionFamily family)
        {
            Name = name;
            Family = family;
        }

        /// <summary>The model name the rules are known by (e.g. <c>gpt-4.1-mini</c>).</summary>
        public string Name { get; }

        public VisionFamily Family { get; }

        /// <summary>Tile models: tokens every image costs (all that <c>low</c> costs).</summary>
        public int BaseTokens { get; private set; }

        /// <summary>Tile models: tokens per 512-px tile.</summary>
        public int TileTokens { get; private set; }

        /// <summary>Patch models: the most 32-px patches an image may use at <c>high</c>/<c>auto</c>.</summary>
        public int PatchBudget { get; private set; }

        /// <summary>Patch models: tokens per patch.</summary>
        public double PatchMultiplier { get; private set; } = 1.0;

        /// <summary>Whether <c>detail: original</c> exists (gpt-5.4 and later).</summary>
        public bool SupportsOriginal { get; private set; }

        /// <summary>Patch budget and largest side at <c>original</c>.</summary>
        public int OriginalPatchBudget { get; private set; }

        public int OriginalMaxSide { get; private set; }

        /// <summary>The box every image is fitted into first (2048 px).</summary>
        public int MaxSide { get; private set; } = 2048;

        /// <summary>The rules the estimates use when no model is named: gpt-4o/gpt-4.1 tiles (85 + 170 per tile).</summary>
        public static ModelVision Default { get; } = Tile("gpt-4o", 85, 170);

        /// <summary>The model names (prefixes) whose image rules are known, for tab completion.</summary>
        public static IEnumerable<string> KnownModels() => s_models.Select(m => m.Prefix).Distinct();

        /// <summary>The rules for <paramref name="model"/> (dated snapshots such as <c>gpt-4o-2024-08-06</c> included), or null if unknown.</summary>
        public static ModelVision? Find(string? model)
        {
            if (string.IsNullOrWhiteSpace(model))
            {
                return null;
            }
            string m = model!.Trim().ToLowerInvariant();
            int slash = m.LastIndexOf('/');
            if (slash >= 0)
            {
                m = m.Substring(slash + 1); // "openai/gpt-4o" as some gateways spell it
            }
            foreach ((string prefix, ModelVision vision) in s_models)
            {
                if (m == prefix || m.StartsWith(prefix + "-", StringComparison.Ordinal))
                {
                    return vision;
                }
            }
            return null;
        }

        /// <summary>
        /// The size (width, height) the model scales a <paramref name="width"/> x <paramref name="height"/> image to
        /// for <paramref name="detail"/>; never larger than the image.
        /// </summary>
        public (int Width, int Height) TargetSize(int width, int height, ImageDetail detail)
        {
            if (Family == VisionFamily.Tile)
            {
                if (detail == ImageDetail.Low)
                {
                    return SizeRules.FitWithin(width, height, 512, 512);
                }
                (int w, int h) = SizeRules.FitWithin(width, height, 2048, 2048);
                return SizeRules.ShortSideAtMost(w, h, 768);
            }
            if (detail == ImageDetail.Low)
            {
                return SizeRules.FitWithin(width, height, 512, 512);
            }
            bool original = detail == ImageDetail.Original && SupportsOriginal;
            int box = original ? OriginalMaxSide : MaxSide;
            int budget = original ? OriginalPatchBudget : PatchBudget;
            (int fw, int fh) = SizeRules.FitWithin(width, height, box, box);
            return FitPatchBudget(fw, fh, budget);
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
                int tiles = CeilDiv(w, 512) * CeilDiv(h, 512);
                return BaseTokens + (tiles * TileTokens);
            }
            (int pw, int ph) = TargetSize(width, height, detail);
            int patches = Patches(pw, ph);
            return (int)Math.Ceiling((patches * PatchMultiplier) - 1e-9);
        }

        /// <summary>Number of 32-px patches that cover a <paramref name="width"/> x <paramref name="height"/> image.</summary>
        public static int Patches(int width, int height) => CeilDiv(width, 32) * CeilDiv(height, 32);

        /// <summary>
        /// Scales an image down so whole 32-px patches cover it within <paramref name="budget"/>: scale by
        /// sqrt(32*32*budget/(w*h)), then shrink further so the constraining side is a whole number of patches.
        /// </summary>
        public static (int Width, int Height) FitPatchBudget(int width, int height, int budget)
        {
            if (Patches(width, height) <= budget)
            {
                return (width, height);
            }
            double shrink = Math.Sqrt(32.0 * 32.0 * budget / ((double)width * height));
            double pw = width * shrink / 32.0, ph = height * shrink / 32.0;
            double adjust = shrink * Math.Min(Math.Floor(pw + 1e-9) / pw, Math.Floor(ph + 1e-9) / ph);
            int w = Math.Max(1, (int)Math.Floor((width * adjust) + 1e-6));
            int h = Math.Max(1, (int)Math.Floor((height * adjust) + 1e-6));
            return (w, h);
        }

        public override string ToString() => Name.ToString(CultureInfo.InvariantCulture);

        private static int CeilDiv(int a, int b) => (a + b - 1) / b;

        private static ModelVision Tile(string name, int baseTokens, int tileTokens) =>
            new(name, VisionFamily.Tile) { BaseTokens = baseTokens, TileTokens = tileTokens };

        private static ModelVision Patch(string name, double multiplier, int highBudget = 1536, bool original = false) =>
            new(name, VisionFamily.Patch)
            {
                PatchMultiplier = multiplier,
                PatchBudget = highBudget,
                SupportsOriginal = original,
                OriginalPatchBudget = original ? 10000 : 0,
                OriginalMaxSide = original ? 6000 : 0,
            };
    }
}
