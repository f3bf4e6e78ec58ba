using VisionPS.Core.Imaging;

namespace VisionPS
{
    /// <summary>The vision rules Get-VisionModel reports for one model: which entry applies, its numbers and where they come from.</summary>
    public sealed class VisionModelRules
    {
        internal VisionModelRules(string model, ModelVision rules, bool known)
        {
            Model = model;
            Known = known;
            Rules = rules.Name;
            Family = rules.Family.ToString();
            BaseTokens = rules.BaseTokens;
            TileTokens = rules.TileTokens;
            PatchBudget = rules.PatchBudget;
            PatchMultiplier = rules.PatchMultiplier;
            MaxSide = rules.MaxSide;
            SupportsOriginal = rules.SupportsOriginal;
            AutoMeansOriginal = rules.AutoMeansOriginal;
            OriginalPatchBudget = rules.OriginalPatchBudget;
            OriginalPatchLimit = rules.OriginalPatchLimit;
            OriginalMaxSide = rules.OriginalMaxSide;
            Origin = rules.Origin;
            Source = rules.Source ?? string.Empty;
            Summary = rules.Describe();
        }

        /// <summary>The model name asked about (or the entry's name when listing).</summary>
        public string Model { get; }

        /// <summary>Whether an entry matches the model; false means the default rules are used in its place.</summary>
        public bool Known { get; }

        /// <summary>The name of the entry whose rules apply.</summary>
        public string Rules { get; }

        /// <summary>Tile or Patch.</summary>
        public string Family { get; }

        /// <summary>Tile models: tokens every image costs.</summary>
        public int BaseTokens { get; }

        /// <summary>Tile models: tokens per tile.</summary>
        public int TileTokens { get; }

        /// <summary>Patch models: the most patches an image may use at high/auto.</summary>
        public int PatchBudget { get; }

        /// <summary>Patch models: tokens per patch.</summary>
        public double PatchMultiplier { get; }

        /// <summary>The box every image is fitted into first, in pixels.</summary>
        public int MaxSide { get; }

        /// <summary>Whether -Detail Original exists for the model.</summary>
        public bool SupportsOriginal { get; }

        /// <summary>Whether auto (an omitted detail) means original.</summary>
        public bool AutoMeansOriginal { get; }

        /// <summary>Patch budget at original (0: none).</summary>
        public int OriginalPatchBudget { get; }

        /// <summary>Most patches the service accepts at original when it has no budget (0: none).</summary>
        public int OriginalPatchLimit { get; }

        /// <summary>Largest side at original, in pixels.</summary>
        public int OriginalMaxSide { get; }

        /// <summary>Where the entry was read: built-in, or the path of the user's models.json.</summary>
        public string Origin { get; }

        /// <summary>Where the numbers come from, as the data file says.</summary>
        public string Source { get; }

        /// <summary>The rules in one line.</summary>
        public string Summary { get; }

        /// <summary>The rules in words (Summary): what a string of it ("$rules", Write-Host) shows.</summary>
        public override string ToString() => Summary;
    }
}
