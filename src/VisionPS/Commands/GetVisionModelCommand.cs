using System.Management.Automation;
using VisionPS.Core.Imaging;
using VisionPS.Infrastructure;

namespace VisionPS.Commands
{
    /// <summary>Shows the vision rules (tiles or patches, budgets, sizes) VisionPS applies to a model, and where they come from.</summary>
    /// <remarks>
    /// <para>VisionPS sizes each image to what the model will look at and estimates its tokens from rules per model:
    /// the tile family (gpt-4o, gpt-4.1, gpt-5, o1, o3: base tokens plus tokens per 512-px tile) or the patch family
    /// (gpt-4.1-mini, o4-mini, gpt-5.2 and later: 32-px patches under a budget, times a multiplier), the largest side,
    /// and whether detail 'original' exists (gpt-5.4 and later; on the gpt-5.6 family 'auto' means 'original').</para>
    /// <para>The rules are data: the module ships a models.json citing where each number comes from, and your own
    /// models.json adds models or replaces entries by name with no new release. It is read from $env:VISIONPS_MODELS,
    /// else %APPDATA%\VisionPS\models.json (Windows), ~/Library/Application Support/VisionPS/models.json (macOS),
    /// $XDG_CONFIG_HOME/VisionPS/models.json or ~/.config/VisionPS/models.json (Linux), and re-read when it changes.
    /// An entry looks like { "name": "llava", "family": "patch", "patchSize": 14, "patchBudget": 576, "maxSide": 336 };
    /// a name matches itself and its dated snapshots (gpt-4o matches gpt-4o-2024-08-06).</para>
    /// <para>With -Model, one object per name says which entry applies (Known is false when none does: the default,
    /// gpt-4o's rules, apply in its place, and the commands that size images for that model warn once). Without it,
    /// every entry is listed.</para>
    /// </remarks>
    /// <example>
    /// <code>Get-VisionModel -Model gpt-5.6-terra, llava:13b | Format-List Model, Known, Rules, Summary, Source</code>
    /// <para>Shows that gpt-5.6-terra uses the gpt-5.6 rules (auto means original, no patch budget) and that llava:13b
    /// has no rules of its own, so gpt-4o's are used in their place.</para>
    /// </example>
    /// <example>
    /// <code>Get-VisionModel | Where-Object Origin -ne 'built-in'</code>
    /// <para>Lists the entries read from your own models.json.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Get, "VisionModel", HelpUri = ProjectLinks.HelpUri)]
    [OutputType(typeof(VisionModelRules))]
    public sealed class GetVisionModelCommand : PSCmdlet
    {
        /// <summary>Model names to look up (dated snapshots and vendor/ prefixes are understood). Without it, every entry is listed.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(ModelCompleter))]
        public string[]? Model { get; set; }

        protected override void BeginProcessing()
        {
            VisionDefaults.WarnIfSavedUnreadable(this); // the session model may have been saved there
            if (ModelCatalog.Current.UserFileError is string error)
            {
                WriteWarning(error);
            }
        }

        protected override void ProcessRecord()
        {
            ModelCatalog catalog = ModelCatalog.Current;
            if (Model is null || Model.Length == 0)
            {
                foreach (ModelVision rules in catalog.Models)
                {
                    WriteObject(new VisionModelRules(rules.Name, rules, known: true));
                }
                return;
            }
            foreach (string name in Model)
            {
                string trimmed = name?.Trim() ?? string.Empty; // as -Model ' gpt-4o ' is sent
                ModelVision? rules = catalog.Find(trimmed);
                WriteObject(new VisionModelRules(trimmed, rules ?? catalog.Default, known: rules is not null));
            }
        }
    }
}
