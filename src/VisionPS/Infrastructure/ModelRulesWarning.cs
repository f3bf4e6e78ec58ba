using System.Management.Automation;
using VisionPS.Core.Imaging;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// The one warning a command gives when the model it sizes and costs images for has no vision rules (or the user's
    /// models.json cannot be used), naming the rules used in its place. Called once per command, on the pipeline thread.
    /// </summary>
    internal static class ModelRulesWarning
    {
        public static void WarnIfUnknown(Cmdlet cmdlet, string? model)
        {
            ModelCatalog catalog = ModelCatalog.Current;
            if (catalog.UserFileError is string error)
            {
                cmdlet.WriteWarning(error);
            }
            if (!string.IsNullOrWhiteSpace(model) && catalog.Find(model) is null)
            {
                cmdlet.WriteWarning(
                    $"VisionPS has no vision rules for model '{model}': images are costed with the rules of "
                    + $"{catalog.Default.Describe()} in their place, and sent at up to the -MaxSide box (default "
                    + $"{PrepareOptions.DefaultMaxSide} px) rather than resized to what that model looks at. Add '{model}' to {ModelCatalog.UserFilePath()} "
                    + "to change that; Get-VisionModel shows the rules in use.");
            }
        }

        /// <summary>
        /// The warning for -Detail Original on a model whose rules have no 'original' (gpt-4o, gpt-4.1-mini): its images
        /// are sized and costed as with High, and OpenAI refuses the request. A model without rules gets none (the
        /// service decides; its own warning was given). Called once per command, on the pipeline thread.
        /// </summary>
        public static void WarnIfNoOriginal(Cmdlet cmdlet, string? model, Core.ImageDetail detail)
        {
            if (detail != Core.ImageDetail.Original || string.IsNullOrWhiteSpace(model)
                || ModelCatalog.Current.Find(model) is not ModelVision rules || rules.SupportsOriginal)
            {
                return;
            }
            cmdlet.WriteWarning(
                $"Model '{model}' has no detail 'original' in its vision rules ({rules.Name}): images are sized and costed as with "
                + "-Detail High, and OpenAI refuses detail 'original' for it (gpt-5.4 and later take it, through the Responses API). "
                + "Use -Detail High, or a model whose rules have it (Get-VisionModel: SupportsOriginal).");
        }
    }
}
