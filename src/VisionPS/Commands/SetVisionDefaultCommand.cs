using System;
using System.IO;
using System.Management.Automation;
using System.Security;
using VisionPS.Core;

namespace VisionPS.Commands
{
    /// <summary>
    /// Sets connection and request defaults for the current PowerShell session.
    /// </summary>
    /// <remarks>
    /// <para>Set-VisionDefault stores the endpoint, API key, model, Azure OpenAI settings, retry count, proxy and timeout
    /// for the current session, so scripts don't repeat them on every call. A parameter given to a cmdlet wins over
    /// these defaults, and these win over the OPENAI_API_KEY and OPENAI_BASE_URL environment variables. The key is
    /// kept as a SecureString and never shown: Get-VisionDefault only says where it comes from. Only the parameters
    /// you pass are changed; -Reset clears everything first.</para>
    /// <para>-Save also writes the settings you pass (not the key: it is never written to disk) to a per-user file that
    /// every later session reads when it first uses VisionPS: %APPDATA%\VisionPS\settings.json on Windows,
    /// ~/Library/Application Support/VisionPS/settings.json on macOS, $XDG_CONFIG_HOME/VisionPS/settings.json
    /// (~/.config/VisionPS) on Linux, or the folder VISIONPS_CONFIG names. -Reset -Save deletes that file.
    /// Get-VisionDefault shows the file and where each value comes from. Two sessions saving at the same time each keep
    /// their settings: the second waits for the first (up to 10 s; Ctrl+C ends the wait), through a lock file beside
    /// settings.json. On a network file system (NFS, SMB) that lock may not keep out sessions on other computers: save
    /// from one computer at a time there.</para>
    /// <para>The session's defaults belong to its runspace. ForEach-Object -Parallel, Start-ThreadJob and Start-Job run
    /// in runspaces of their own, which read the saved settings and the environment, not what Set-VisionDefault set here
    /// without -Save: save the settings, pass them as parameters ($using:), or ask with Send-VisionChat -PerImage, which
    /// sends up to -ThrottleLimit requests at once itself.</para>
    /// </remarks>
    /// <example>
    /// <code>Set-VisionDefault -BaseUri http://127.0.0.1:11434/v1 -Model llava -Save</code>
    /// <para>Makes a local server and its model the defaults of this and every later session; the key still comes from OPENAI_API_KEY or -ApiKey.</para>
    /// </example>
    /// <example>
    /// <code>Set-VisionDefault -ApiKey (Read-Host -AsSecureString 'OpenAI key') -Model gpt-4.1-mini</code>
    /// <para>Asks for the key once and makes gpt-4.1-mini the model for every later call in this session.</para>
    /// </example>
    /// <example>
    /// <code>Set-VisionDefault -BaseUri http://127.0.0.1:11434/v1 -Model llava -MaxRetries 5</code>
    /// <para>Points VisionPS at a local OpenAI-compatible server (Ollama) and retries rate-limited requests five times.</para>
    /// </example>
    /// <example>
    /// <code>Set-VisionDefault -Reset -PassThru</code>
    /// <para>Forgets every default of this session and shows the result.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Set, "VisionDefault", HelpUri = ProjectLinks.HelpUri, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(VisionDefaults))]
    public sealed class SetVisionDefaultCommand : PSCmdlet
    {
        /// <summary>Base URI of an OpenAI-compatible endpoint (default: OPENAI_BASE_URL, else OpenAI).</summary>
        [Parameter]
        [ValidateNotNull]
        [PSDefaultValue(Help = "None: unchanged (built in: OPENAI_BASE_URL, else https://api.openai.com/v1)")]
        public Uri? BaseUri { get; set; }

        /// <summary>The API key, as a SecureString or a plain string from a vault or pipeline (default: OPENAI_API_KEY). Kept for this session only, never saved.</summary>
        [Parameter]
        [ValidateNotNull]
        [PSDefaultValue(Help = "None: unchanged (built in: OPENAI_API_KEY)")]
        [Infrastructure.SecureStringTransformation]
        public SecureString? ApiKey { get; set; }

        /// <summary>The model cmdlets use when none is given.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Infrastructure.ModelCompleter))]
        public string? Model { get; set; }

        /// <summary>The image detail cmdlets use when given no -Detail: Auto, Low, High or Original.</summary>
        [Parameter]
        [PSDefaultValue(Help = "None: unchanged (built in: Auto)")]
        [Infrastructure.OneDetail]
        public Core.ImageDetail Detail { get; set; }

        /// <summary>Azure OpenAI resource endpoint, e.g. https://contoso.openai.azure.com/.</summary>
        [Parameter]
        [ValidateNotNull]
        public Uri? AzureEndpoint { get; set; }

        /// <summary>Azure OpenAI deployment name.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? AzureDeployment { get; set; }

        /// <summary>Azure OpenAI api-version, e.g. 2024-10-21.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? AzureApiVersion { get; set; }

        /// <summary>How many times a rate-limited (429) or failed (5xx) request is retried.</summary>
        [Parameter]
        [ValidateRange(0, Infrastructure.SavedSettings.MaxRetriesLimit)]
        [PSDefaultValue(Help = "None: unchanged (built in: 3)")]
        public int MaxRetries { get; set; }

        /// <summary>Proxy for requests; without it the system proxy settings apply.</summary>
        [Parameter]
        [ValidateNotNull]
        public Uri? Proxy { get; set; }

        /// <summary>Request timeout in seconds.</summary>
        [Parameter]
        [ValidateRange(1, Infrastructure.SavedSettings.TimeoutSecLimit)]
        [PSDefaultValue(Help = "None: unchanged (built in: 120)")]
        public int TimeoutSec { get; set; }

        /// <summary>Folder of the answer cache (default: VISIONPS_CACHE, else the per-OS cache folder).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [PSDefaultValue(Help = "None: unchanged (built in: VISIONPS_CACHE, else the per-OS cache folder)")]
        public string? CachePath { get; set; }

        /// <summary>How long a cached answer stays valid (default 30 days), at least a second: a TimeSpan such as (New-TimeSpan -Days 7) or '7.00:00:00' (a bare number is ticks).</summary>
        [Parameter]
        [PSDefaultValue(Help = "None: unchanged (built in: 30 days)")]
        [Infrastructure.ValidateTimeSpan(1)]
        public TimeSpan CacheExpiry { get; set; }

        /// <summary>Size cap of the answer cache in MiB (default 256).</summary>
        [Parameter]
        [ValidateRange(1, Infrastructure.SavedSettings.CacheMaxMBLimit)]
        [PSDefaultValue(Help = "None: unchanged (built in: 256)")]
        public int CacheMaxMB { get; set; }

        /// <summary>Folder of the local batch records written by Start-VisionBatch (default: VISIONPS_BATCHES, else the per-OS data folder).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [PSDefaultValue(Help = "None: unchanged (built in: VISIONPS_BATCHES, else the per-OS data folder)")]
        public string? BatchPath { get; set; }

        /// <summary>Clears every default of this session before applying the other parameters.</summary>
        [Parameter]
        public SwitchParameter Reset { get; set; }

        /// <summary>Also saves the settings given (never the key) to the per-user settings file that later sessions read; with -Reset, deletes that file.</summary>
        [Parameter]
        public SwitchParameter Save { get; set; }

        /// <summary>Writes the resulting defaults (without the key).</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        // -Reset -Save deletes the saved settings: no warning that they cannot be read (it is what that warning advises).
        protected override void BeginProcessing() => Infrastructure.ScriptPreferences.Apply(this, warnSaved: !(Reset && Save));

        // Ctrl+C while -Save waits for another session's lock on the settings file ends the wait.
        private readonly System.Threading.CancellationTokenSource _stop = new System.Threading.CancellationTokenSource();

        protected override void StopProcessing() => _stop.Cancel();

        /// <summary>
        /// Whether -Model may hold a space: the endpoint it will be sent to, as this command leaves the defaults, is a
        /// compatible server rather than OpenAI or Azure OpenAI.
        /// </summary>
        private bool ModelTakesSpaces()
        {
            VisionDefaults defaults = VisionDefaults.Current;
            bool azure = (AzureEndpoint ?? (Reset ? null : defaults.AzureEndpoint)) != null && (AzureDeployment ?? (Reset ? null : defaults.AzureDeployment)) != null;
            Uri? baseUri = BaseUri ?? (Reset ? null : defaults.BaseUri);
            return !Core.OpenAI.VisionConnection.IsOpenAIOrAzure(baseUri, azure);
        }

        protected override void EndProcessing()
        {
            // Everything given is checked first, so a bad value is an error under -WhatIf too and nothing is half set.
            if (BaseUri != null)
            {
                try
                {
                    Core.OpenAI.VisionConnection.ParseBaseUri(BaseUri.OriginalString, "-BaseUri");
                }
                catch (ArgumentException ex)
                {
                    ThrowTerminatingError(Infrastructure.ErrorIds.Create(ex, Infrastructure.ErrorIds.InvalidBaseUri, ErrorCategory.InvalidArgument, BaseUri, ex.Message));
                }
            }
            Uri? azureEndpoint = null;
            if (AzureEndpoint != null)
            {
                try
                {
                    // Relative (contoso.openai.azure.com) it would be taken, and every request fail with .NET's relative-URI message.
                    azureEndpoint = Infrastructure.SavedSettings.ParseAzureEndpoint(AzureEndpoint.OriginalString, "-AzureEndpoint");
                }
                catch (ArgumentException ex)
                {
                    ThrowTerminatingError(Infrastructure.ErrorIds.Create(ex, Infrastructure.ErrorIds.InvalidBaseUri, ErrorCategory.InvalidArgument, Core.OpenAI.UriText.Shown(AzureEndpoint), ex.Message));
                }
            }
            if (Proxy != null && !Infrastructure.SavedSettings.IsUsableProxy(Proxy))
            {
                string message = $"-Proxy '{Core.OpenAI.UriText.Shown(Proxy)}' is not a proxy VisionPS can use: give an absolute http://, https://, socks4://, socks4a:// or socks5:// URI such as http://proxy.example:8080, or leave -Proxy out to use the system proxy settings.";
                ThrowTerminatingError(Infrastructure.ErrorIds.Create(new ArgumentException(message, nameof(Proxy)), Infrastructure.ErrorIds.InvalidProxy, ErrorCategory.InvalidArgument, Core.OpenAI.UriText.Shown(Proxy), message));
            }
            string? model = Model is null ? null : Infrastructure.SessionModel.Name(this, Model, "-Model", ModelTakesSpaces());
            string? batchPath = BatchPath != null ? Folder(nameof(BatchPath), BatchPath) : null;
            string? cachePath = CachePath != null ? Folder(nameof(CachePath), CachePath) : null;

            var given = new System.Collections.Generic.List<string>();
            foreach (string name in Infrastructure.SavedSettings.Names)
            {
                string parameter = name == "CacheMaxBytes" ? nameof(CacheMaxMB) : name;
                if (MyInvocation.BoundParameters.ContainsKey(parameter))
                {
                    given.Add(name);
                }
            }
            if (!ShouldProcess(Target(), Action(given)))
            {
                return;
            }

            VisionDefaults defaults = VisionDefaults.Current;
            if (Reset)
            {
                defaults.Reset();
            }
            if (BaseUri != null)
            {
                defaults.ConfiguredBaseUri = BaseUri;
            }
            if (ApiKey != null)
            {
                defaults.ApiKey?.Dispose();
                defaults.ApiKey = ApiKey.Copy();
                defaults.ApiKey.MakeReadOnly();
            }
            if (model != null)
            {
                defaults.Model = model;
            }
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Detail)))
            {
                defaults.Detail = Detail;
            }
            if (azureEndpoint != null)
            {
                defaults.AzureEndpoint = azureEndpoint;
            }
            if (AzureDeployment != null)
            {
                defaults.AzureDeployment = AzureDeployment;
            }
            if (AzureApiVersion != null)
            {
                defaults.AzureApiVersion = AzureApiVersion;
            }
            if (MyInvocation.BoundParameters.ContainsKey(nameof(MaxRetries)))
            {
                defaults.MaxRetries = MaxRetries;
            }
            if (Proxy != null)
            {
                defaults.Proxy = Proxy;
            }
            if (MyInvocation.BoundParameters.ContainsKey(nameof(TimeoutSec)))
            {
                defaults.TimeoutSec = TimeoutSec;
            }
            if (batchPath != null)
            {
                defaults.BatchPath = batchPath;
            }
            if (cachePath != null)
            {
                defaults.CachePath = cachePath;
            }
            if (MyInvocation.BoundParameters.ContainsKey(nameof(CacheExpiry)))
            {
                defaults.CacheExpiry = CacheExpiry;
            }
            if (MyInvocation.BoundParameters.ContainsKey(nameof(CacheMaxMB)))
            {
                defaults.CacheMaxBytes = CacheMaxMB * 1024L * 1024L;
            }
            foreach (string name in given)
            {
                defaults.MarkSession(name);
            }
            if (Save)
            {
                try
                {
                    bool deleted = false;
                    if (Reset)
                    {
                        deleted = Infrastructure.SavedSettings.Clear(_stop.Token);
                        defaults.ForgetLoadProblem(); // the unreadable file is gone: later commands do not warn about it
                    }
                    if (given.Count > 0)
                    {
                        Infrastructure.SavedSettings.Save(defaults, given, _stop.Token);
                    }
                    WriteVerbose(given.Count > 0
                        ? $"Saved {string.Join(", ", given)} to {Infrastructure.SavedSettings.FilePath}."
                        : !Reset ? "No setting given: nothing saved."
                        : deleted ? $"Deleted the saved settings {Infrastructure.SavedSettings.FilePath}."
                        : $"No saved settings to delete: there is no {Infrastructure.SavedSettings.FilePath}.");
                }
                catch (Infrastructure.SavedSettings.SettingsFolderException ex)
                {
                    // Nothing deleted or written: the load warning about that folder stays, and this says what to do.
                    WriteError(Infrastructure.ErrorIds.Create(ex, Infrastructure.ErrorIds.SettingsSaveFailed, ErrorCategory.WriteError, Infrastructure.SavedSettings.FilePath,
                        $"Cannot {(Reset && given.Count == 0 ? "delete the saved settings" : "save the settings")}: {MessageText.Sentence(ex.Message)} Nothing was {(Reset && given.Count == 0 ? "deleted" : "saved")}; this session's defaults are set."));
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    throw new PipelineStoppedException();
                }
                catch (FileLockedException ex)
                {
                    // Not the file's fault: the way out is waiting, not fixing or deleting it.
                    WriteError(Infrastructure.ErrorIds.Create(ex, Infrastructure.ErrorIds.SettingsSaveFailed, ErrorCategory.ResourceBusy, Infrastructure.SavedSettings.FilePath,
                        $"Cannot save the settings to '{Infrastructure.SavedSettings.FilePath}': {MessageText.Sentence(ex.Message)} Nothing was saved; this session's defaults are set."));
                }
                catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException || ex is System.Text.Json.JsonException)
                {
                    WriteError(Infrastructure.ErrorIds.Create(ex, Infrastructure.ErrorIds.SettingsSaveFailed, ErrorCategory.WriteError, Infrastructure.SavedSettings.FilePath,
                        $"Cannot save the settings to '{Infrastructure.SavedSettings.FilePath}': {MessageText.Sentence(Infrastructure.SavedSettings.Problem(ex))} Set VISIONPS_CONFIG to a folder you can write, or fix or delete the file (Set-VisionDefault -Reset -Save deletes it)."));
                }
                if (ApiKey != null)
                {
                    WriteWarning("The API key is kept for this session only: VisionPS never writes it to disk. Set OPENAI_API_KEY in your profile or from a secret vault for later sessions.");
                }
            }
            if (PassThru)
            {
                WriteObject(defaults);
            }
        }

        // What -WhatIf and -Confirm name: this session's defaults, and the settings file when -Save writes or deletes it.
        private string Target() => Save
            ? $"VisionPS defaults of this session and {Infrastructure.SavedSettings.FilePath}"
            : "VisionPS defaults of this session";

        private string Action(System.Collections.Generic.List<string> given)
        {
            var parts = new System.Collections.Generic.List<string>();
            if (Reset)
            {
                parts.Add("clear every default");
            }
            var names = new System.Collections.Generic.List<string>(given);
            if (ApiKey != null)
            {
                names.Add("ApiKey (this session only)");
            }
            if (names.Count > 0)
            {
                parts.Add("set " + string.Join(", ", names));
            }
            if (Save)
            {
                string saved = string.Join(", ", given);
                parts.Add(given.Count > 0
                    ? (Reset ? "replace the settings file with " + saved + " alone" : "save " + saved + " to the settings file")
                    : Reset ? "delete the settings file"
                    : ApiKey != null ? "save nothing (the key is never saved)" : "save nothing (no setting given)");
            }
            return parts.Count == 0 ? "change nothing (no setting given)" : string.Join("; ", parts);
        }

        /// <summary>A folder setting as a file-system path relative to the PowerShell location, or a VisionPS error naming it.</summary>
        private string Folder(string parameter, string path)
        {
            try
            {
                string full = Infrastructure.PowerShellLocation.FileSystemPath(SessionState.Path, path);
                if (Infrastructure.SavedSettings.FolderProblem(full) is string problem)
                {
                    // A file: taken, every run would fail to write into it (the answer cache only warns) and count nothing in it.
                    throw new ArgumentException(MessageText.Sentence(char.ToUpperInvariant(problem[0]) + problem.Substring(1)));
                }
                return full;
            }
            catch (Exception ex) when (ex is SessionStateException || ex is PSInvalidOperationException || ex is ProviderInvocationException || ex is NotSupportedException || ex is ArgumentException)
            {
                string message = $"-{parameter} '{path}' is not a file-system folder: {MessageText.Sentence(ex.Message)} Give a folder path such as ~/visionps or C:\\visionps.";
                ThrowTerminatingError(Infrastructure.ErrorIds.Create(ex, Infrastructure.ErrorIds.InvalidFolderSetting, ErrorCategory.InvalidArgument, path, message));
                throw; // not reached: ThrowTerminatingError throws
            }
        }
    }
}
