using System.Management.Automation;
using VisionPS.Core.OpenAI;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// One model, one estimate: every cmdlet given no -Model sizes, estimates and sends for the same model (the
    /// session's Set-VisionDefault -Model, else the built-in default), and says which in the verbose stream, so a
    /// Get-VisionImageInfo estimate is the cost of what Send-VisionChat would send.
    /// </summary>
    internal static class SessionModel
    {
        /// <summary>The model used when neither -Model nor Set-VisionDefault -Model says one.</summary>
        public static string BuiltIn { get; } = new VisionRequest().Model;

        /// <summary>
        /// The model to use: <paramref name="given"/>, else the session default, else <see cref="BuiltIn"/>; a model
        /// without vision rules gets its one warning here. Call once per command, on the pipeline thread.
        /// </summary>
        public static string Resolve(PSCmdlet cmdlet, string? given, bool spacesAllowed)
        {
            if (given is not null)
            {
                string name = Name(cmdlet, given, "-Model", spacesAllowed);
                ModelRulesWarning.WarnIfUnknown(cmdlet, name);
                return name;
            }
            string? session = VisionDefaults.Current.Model;
            if (!spacesAllowed && session is not null && ModelName.HasSpace(session))
            {
                // Set for a compatible server, whose model may have such a name; this command goes to OpenAI or Azure OpenAI.
                Name(cmdlet, session, "The session's model (Set-VisionDefault -Model, or saved in settings.json)", spacesAllowed: false);
            }
            string model = string.IsNullOrEmpty(session) ? BuiltIn : session!;
            cmdlet.WriteVerbose(string.IsNullOrEmpty(session)
                ? $"No -Model given: images are sized and estimated for {model}, the built-in default (Set-VisionDefault -Model changes it)."
                : $"No -Model given: images are sized and estimated for {model}, the session default (Set-VisionDefault -Model).");
            ModelRulesWarning.WarnIfUnknown(cmdlet, model);
            return model;
        }

        /// <summary>
        /// <paramref name="given"/> without surrounding whitespace (-Model ' gpt-4o ', from $PSDefaultParameterValues too);
        /// a name no model can have (blank, a control character inside, a space for OpenAI or Azure OpenAI unless
        /// <paramref name="spacesAllowed"/>) ends the command as InvalidModelName.
        /// </summary>
        public static string Name(PSCmdlet cmdlet, string given, string where, bool spacesAllowed)
        {
            try
            {
                return Core.OpenAI.ModelName.Normalize(given, where, spacesAllowed);
            }
            catch (System.ArgumentException ex)
            {
                string message = Core.MessageText.WithoutParamName(ex);
                cmdlet.ThrowTerminatingError(ErrorIds.Create(new System.ArgumentException(message, ex), ErrorIds.InvalidModelName, ErrorCategory.InvalidArgument, given, message));
                throw; // not reached
            }
        }

        /// <summary>
        /// Whether a model name may hold a space for a command without a connection of its own (it sizes images for the
        /// model the session sends to): the session's endpoint is a compatible server, not OpenAI or Azure OpenAI.
        /// </summary>
        public static bool SessionTakesSpaces()
        {
            VisionDefaults defaults = VisionDefaults.Current;
            return !VisionConnection.IsOpenAIOrAzure(defaults.BaseUri, defaults.AzureEndpoint != null && defaults.AzureDeployment != null);
        }

        /// <summary>The detail to use: -Detail when given, else Set-VisionDefault -Detail (or saved), else <paramref name="given"/> (Auto).</summary>
        public static Core.ImageDetail Detail(PSCmdlet cmdlet, Core.ImageDetail given) =>
            cmdlet.MyInvocation.BoundParameters.ContainsKey("Detail") ? given : VisionDefaults.Current.Detail ?? given;
    }
}
