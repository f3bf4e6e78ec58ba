using System;

namespace VisionPS.TestServer
{
    /// <summary>
    /// Image input tokens by the documented formulas (shared/openai/README.md): 512-px tiles for the tile models,
    /// 32-px patches under a budget for the patch models.
    /// </summary>
    public static class ImageTokens
    {
        public static int Count(string model, int width, int height, string detail)
        {
            string m = model.ToLowerInvariant();
            if (PatchModel(m) is (double multiplier, int budget, int maxSide, int originalBudget, int originalMaxSide))
            {
                bool original = detail == "original" && originalBudget > 0;
                int patches = Patches(width, height, original ? originalBudget : budget, original ? originalMaxSide : maxSide);
                // Rounded to 6 places first: 300 x 1.62 is 486.00000000000006 in doubles, and 486 tokens, not 487.
                return (int)Math.Ceiling(Math.Round(patches * multiplier, 6));
            }
            (int baseTokens, int perTile) = TileModel(m);
            if (detail == "low")
            {
                return baseTokens;
            }
            return baseTokens + (Tiles(width, height) * perTile);
        }

        /// <summary>Tile models: fit in 2048x2048, then the shortest side to 768, then count 512-px tiles.</summary>
        public static int Tiles(int width, int height)
        {
            double w = width, h = height;
            if (w > 2048 || h > 2048)
            {
                double fit = 2048 / Math.Max(w, h);
                w *= fit;
                h *= fit;
            }
            if (Math.Min(w, h) > 768)
            {
                double shrink = 768 / Math.Min(w, h);
                w *= shrink;
                h *= shrink;
            }
            return (int)(Math.Ceiling(Math.Floor(w) / 512) * Math.Ceiling(Math.Floor(h) / 512));
        }

        /// <summary>Patch models: 32-px patches; over the budget, scale by sqrt(32*32*budget/(w*h)) and shrink to whole patches.</summary>
        public static int Patches(int width, int height, int budget, int maxSide)
        {
            double w = width, h = height;
            if (Math.Max(w, h) > maxSide)
            {
                double fit = maxSide / Math.Max(w, h);
                w = Math.Floor(w * fit);
                h = Math.Floor(h * fit);
            }
            long raw = (long)Math.Ceiling(w / 32) * (long)Math.Ceiling(h / 32);
            if (raw <= budget)
            {
                return (int)raw;
            }
            double scale = Math.Sqrt(32.0 * 32.0 * budget / (w * h));
            double wp = w * scale / 32, hp = h * scale / 32;
            scale *= Math.Min(Math.Floor(wp) / wp, Math.Floor(hp) / hp);
            double rw = Math.Floor((w * scale) + 1e-6), rh = Math.Floor((h * scale) + 1e-6);
            return (int)(Math.Ceiling(rw / 32) * Math.Ceiling(rh / 32));
        }

        private static (double Multiplier, int Budget, int MaxSide, int OriginalBudget, int OriginalMaxSide)? PatchModel(string m)
        {
            if (m.StartsWith("gpt-5.4-mini") || m.StartsWith("gpt-5.5-mini") || m.StartsWith("gpt-5-mini") || m.StartsWith("gpt-4.1-mini"))
            {
                return (1.62, 1536, 2048, 0, 0);
            }
            if (m.StartsWith("gpt-5.4-nano") || m.StartsWith("gpt-5.5-nano") || m.StartsWith("gpt-5-nano") || m.StartsWith("gpt-4.1-nano"))
            {
                return (2.46, 1536, 2048, 0, 0);
            }
            if (m.StartsWith("o4-mini"))
            {
                return (1.72, 1536, 2048, 0, 0);
            }
            if (m.StartsWith("gpt-5.4") || m.StartsWith("gpt-5.5"))
            {
                return (1.0, 2500, 2048, 10000, 6000);
            }
            if (m.StartsWith("gpt-5.2"))
            {
                return (1.0, 1536, 2048, 0, 0);
            }
            return null;
        }

        private static (int Base, int PerTile) TileModel(string m)
        {
            if (m.StartsWith("gpt-4o-mini"))
            {
                return (2833, 5667);
            }
            if (m.StartsWith("gpt-5"))
            {
                return (70, 140);
            }
            if (m.StartsWith("o1") || m.StartsWith("o3"))
            {
                return (75, 150);
            }
            // gpt-4o, gpt-4.1, gpt-4.5 and any model the endpoint does not know.
            return (85, 170);
        }

        /// <summary>A rough text token count (4 characters a token), enough for deterministic usage numbers.</summary>
        public static int Text(string? text) => string.IsNullOrEmpty(text) ? 0 : (text.Length + 3) / 4;
    }
}
