using System;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using VisionPS.Core.OpenAI;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// The connection a cmdlet uses: its own parameters win over the session defaults (Set-VisionDefault), which win
    /// over OPENAI_API_KEY and OPENAI_BASE_URL. A missing key for OpenAI itself or Azure is a terminating error.
    /// </summary>
    internal static class ConnectionParameters
    {
        public const string MissingApiKey = "MissingApiKey";

        public static VisionConnection Resolve(PSCmdlet cmdlet, Uri? baseUri, SecureString? apiKey, int? maxRetries, int? timeoutSec, bool requireKey = true)
        {
            VisionDefaults defaults = VisionDefaults.Current;
            if (baseUri is null && (defaults.AzureEndpoint is null) != (defaults.AzureDeployment is null))
            {
                // Azure OpenAI half set up: without both, the request (and the Azure key) would go to OpenAI,
                // OPENAI_BASE_URL or a configured base URI instead, so nothing is sent, -WhatIf included.
                string message = IncompleteAzure(defaults);
                cmdlet.ThrowTerminatingError(ErrorIds.Create(new ArgumentException(message), ErrorIds.IncompleteAzureSettings, ErrorCategory.InvalidArgument,
                    defaults.AzureEndpoint is Uri endpoint ? UriText.Shown(endpoint) : defaults.AzureDeployment, message));
            }
            VisionConnection connection;
            try
            {
                // OPENAI_BASE_URL is read only when nothing above it says where to go: a malformed one must not stop a
                // command given -BaseUri or a session default (an endpoint, or Azure's endpoint and deployment).
                bool azure = baseUri is null && defaults.AzureEndpoint != null && defaults.AzureDeployment != null;
                if (azure)
                {
                    // Set-VisionDefault and the saved settings take only an absolute one; never .NET's relative-URI message.
                    _ = SavedSettings.ParseAzureEndpoint(defaults.AzureEndpoint!.OriginalString, "Set-VisionDefault -AzureEndpoint");
                }
                connection = baseUri is null && defaults.ConfiguredBaseUri is null && !azure
                    ? VisionConnection.FromEnvironment()
                    : new VisionConnection { ApiKey = Environment.GetEnvironmentVariable(VisionConnection.ApiKeyVariable) };
                if (baseUri != null)
                {
                    connection.BaseUri = VisionConnection.ParseBaseUri(baseUri.OriginalString, "-BaseUri");
                }
                else if (defaults.ConfiguredBaseUri != null)
                {
                    connection.BaseUri = VisionConnection.ParseBaseUri(defaults.ConfiguredBaseUri.OriginalString, "Set-VisionDefault -BaseUri");
                }
            }
            catch (ArgumentException ex)
            {
                // A scheme-less or non-http endpoint (localhost:11434/v1) from a parameter, the session or OPENAI_BASE_URL.
                cmdlet.ThrowTerminatingError(ErrorIds.Create(ex, ErrorIds.InvalidBaseUri, ErrorCategory.InvalidArgument, baseUri is null ? null : UriText.Shown(baseUri), ex.Message));
                throw; // not reached
            }
            SecureString? key = apiKey ?? defaults.ApiKey;
            if (key != null)
            {
                connection.ApiKey = Reveal(key);
            }
            if (connection.ApiKeyIsMalformed)
            {
                // Never shown: not the key, nor where in it the character is.
                string from = apiKey != null ? "-ApiKey" : key != null ? "Set-VisionDefault -ApiKey" : VisionConnection.ApiKeyVariable;
                string message = $"The API key from {from} holds a line break, tab or other character no API key has, inside it (white space around it is dropped), so it was not sent. "
                    + "Check how it was read: a key file of more than one line, or a key pasted with other text. The key is not shown.";
                cmdlet.ThrowTerminatingError(ErrorIds.Create(new ArgumentException(message), ErrorIds.InvalidApiKey, ErrorCategory.InvalidArgument, from, message));
            }
            if (baseUri is null && defaults.AzureEndpoint != null && defaults.AzureDeployment != null)
            {
                connection.Azure = defaults.AzureApiVersion is null
                    ? new AzureOpenAISettings(defaults.AzureEndpoint, defaults.AzureDeployment)
                    : new AzureOpenAISettings(defaults.AzureEndpoint, defaults.AzureDeployment, defaults.AzureApiVersion);
            }
            if ((maxRetries ?? defaults.MaxRetries) is int retries)
            {
                connection.MaxRetries = retries;
            }
            if ((timeoutSec ?? defaults.TimeoutSec) is int seconds)
            {
                connection.Timeout = TimeSpan.FromSeconds(seconds);
            }
            if (defaults.Proxy != null)
            {
                connection.Proxy = defaults.Proxy;
            }
            bool needsKey = connection.Azure != null
                || string.Equals(connection.BaseUri.Host, VisionConnection.DefaultBaseUri.Host, StringComparison.OrdinalIgnoreCase);
            if (requireKey && needsKey && !connection.HasApiKey)
            {
                string where = connection.Azure != null ? "Azure OpenAI" : "the OpenAI API";
                cmdlet.ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException($"No API key for {where}. Set OPENAI_API_KEY, or run Set-VisionDefault -ApiKey (Read-Host -AsSecureString), or pass -ApiKey."),
                    MissingApiKey, ErrorCategory.AuthenticationError, connection.ToString()));
            }
            if (!requireKey && needsKey && !connection.HasApiKey)
            {
                // -WhatIf: nothing is sent, so no real key is needed to show the request.
                connection.ApiKey = "no-key-set-nothing-is-sent";
            }
            return connection;
        }

        /// <summary>
        /// Why Azure OpenAI half set up stops a command, and how to go on: set the missing value, or clear the one there is
        /// (a saved one is cleared with Set-VisionDefault -Reset -Save or by editing the file: -Reset alone lasts only
        /// the session). A base URI configured beside it is named too: the user may have meant either.
        /// </summary>
        private static string IncompleteAzure(VisionDefaults defaults)
        {
            bool hasEndpoint = defaults.AzureEndpoint != null;
            string name = hasEndpoint ? "AzureEndpoint" : "AzureDeployment";
            string held = hasEndpoint ? $"-AzureEndpoint {UriText.Address(defaults.AzureEndpoint!)}" : $"-AzureDeployment '{defaults.AzureDeployment}'";
            string missing = hasEndpoint ? "-AzureDeployment" : "-AzureEndpoint";
            bool saved = defaults.IsSaved(name);
            string from = saved ? "saved" : "set in this session";
            string setMissing = hasEndpoint
                ? "Set-VisionDefault -AzureDeployment NAME (the deployment's name in the Azure portal; add -Save to keep it)"
                : "Set-VisionDefault -AzureEndpoint https://NAME.openai.azure.com (add -Save to keep it)";
            string clear = saved
                ? $"run Set-VisionDefault -Reset -Save (it deletes every saved setting: save again the ones you want) or remove \"{name}\" from '{SavedSettings.FilePath}'"
                : "run Set-VisionDefault -Reset (it clears this session's defaults: set again the ones you want)";
            if (defaults.ConfiguredBaseUri is Uri configured)
            {
                string baseFrom = defaults.IsSaved("BaseUri") ? "saved" : "set in this session";
                return $"The defaults hold both -BaseUri {UriText.Shown(configured)} ({baseFrom}) and {held} ({from}) without {missing}: Azure OpenAI is half set up, "
                    + "and the request could be meant for either, so nothing was sent. "
                    + $"To use Azure OpenAI, run {setMissing}; to use the base URI, {clear}, and set -BaseUri again if it was cleared. A cmdlet's own -BaseUri is used as given.";
            }
            return $"Azure OpenAI is set up without {(hasEndpoint ? "a deployment" : "an endpoint")}: the defaults hold {held} ({from}) but no {missing}, so nothing was sent. "
                + $"Run {setMissing}, or, to use another endpoint, {clear}.";
        }

        /// <summary>True when -WhatIf is in effect: nothing will be sent, so no key is needed.</summary>
        public static bool IsWhatIf(PSCmdlet cmdlet) =>
            cmdlet.MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? w)
                ? w is SwitchParameter s && s.IsPresent
                : cmdlet.GetVariableValue("WhatIfPreference") is object pref && LanguagePrimitives.IsTrue(pref);

        /// <summary>The plain text of a SecureString, for the HTTP header only; the unmanaged copy is zeroed at once.</summary>
        private static string Reveal(SecureString secure)
        {
            IntPtr ptr = Marshal.SecureStringToGlobalAllocUnicode(secure);
            try
            {
                return Marshal.PtrToStringUni(ptr) ?? string.Empty;
            }
            finally
            {
                Marshal.ZeroFreeGlobalAllocUnicode(ptr);
            }
        }
    }
}
