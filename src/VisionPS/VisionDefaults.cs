using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Management.Automation.Runspaces;
using System.Security;

namespace VisionPS
{
    /// <summary>
    /// Connection and request defaults for the current PowerShell session (runspace), set with Set-VisionDefault so
    /// scripts don't repeat them. Parameters given to a cmdlet win over these; these win over OPENAI_API_KEY and
    /// OPENAI_BASE_URL. The key is held as a SecureString and never shown. Settings saved with Set-VisionDefault -Save
    /// are read when a session first uses VisionPS; <see cref="Sources"/> says where each value comes from.
    /// </summary>
    public sealed class VisionDefaults
    {
        private static readonly ConditionalWeakTable<Runspace, VisionDefaults> s_perRunspace = new ConditionalWeakTable<Runspace, VisionDefaults>();
        private static readonly VisionDefaults s_noRunspace = new VisionDefaults();

        /// <summary>The defaults of the runspace this thread runs in.</summary>
        internal static VisionDefaults Current
        {
            get
            {
                Runspace? runspace = Runspace.DefaultRunspace;
                return runspace is null ? s_noRunspace : s_perRunspace.GetValue(runspace, _ => Load());
            }
        }

        private readonly HashSet<string> _saved = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        /// <summary>New session defaults with the saved settings applied.</summary>
        internal static VisionDefaults Load()
        {
            var defaults = new VisionDefaults();
            defaults._loadProblem = Infrastructure.SavedSettings.LoadInto(defaults);
            return defaults;
        }

        private Infrastructure.SavedSettings.LoadProblem? _loadProblem;

        /// <summary>Why the saved settings, or some values in them, are not used (null when they all are, or there are none).</summary>
        internal string? LoadProblem => _loadProblem?.ToString();

        private int _loadProblemTold;

        /// <summary>
        /// Warns through <paramref name="cmdlet"/>, once per session, that the saved settings could not be read and are
        /// ignored: every command then goes to the environment's or the built-in endpoint and model instead of the
        /// saved ones (a local server), so the first command says so, not only Get-VisionDefault.
        /// </summary>
        internal static void WarnIfSavedUnreadable(System.Management.Automation.Cmdlet cmdlet)
        {
            VisionDefaults defaults = Current;
            if (defaults.LoadProblem is string problem && System.Threading.Interlocked.Exchange(ref defaults._loadProblemTold, 1) == 0)
            {
                cmdlet.WriteWarning(problem);
            }
        }

        /// <summary>The saved settings were deleted (Set-VisionDefault -Reset -Save): nothing unreadable is left to warn about.</summary>
        internal void ForgetLoadProblem() => _loadProblem = null;

        /// <summary>The settings <paramref name="saved"/> were written to the file anew: a value of theirs left out at load is no longer named.</summary>
        internal void ForgetLoadProblem(IEnumerable<string> saved) => _loadProblem = _loadProblem?.Without(saved);

        /// <summary>Whether a setting's value is the saved one (not set in this session).</summary>
        internal bool IsSaved(string name) => _saved.Contains(name);

        /// <summary>Records that a setting's value is the saved one.</summary>
        internal void MarkSaved(string name) => _saved.Add(name);

        /// <summary>Records that a setting was set for this session only (or cleared).</summary>
        internal void MarkSession(string name) => _saved.Remove(name);

        /// <summary>The endpoint set with Set-VisionDefault or saved; null: OPENAI_BASE_URL or OpenAI.</summary>
        internal Uri? ConfiguredBaseUri { get; set; }

        /// <summary>The endpoint requests go to when a cmdlet is given none: the session's or saved one, else OPENAI_BASE_URL (null: OpenAI).</summary>
        public Uri? BaseUri => ConfiguredBaseUri ?? EnvironmentBaseUri;

        private static Uri? EnvironmentBaseUri =>
            Environment.GetEnvironmentVariable(Core.OpenAI.VisionConnection.BaseUriVariable) is { Length: > 0 } text
            && Uri.TryCreate(text.Trim(), UriKind.Absolute, out Uri? uri) ? uri : null;

        /// <summary>The file Set-VisionDefault -Save writes and sessions read (VISIONPS_CONFIG overrides its folder).</summary>
        public string SettingsFile => Infrastructure.SavedSettings.FilePath;

        /// <summary>
        /// Where each value comes from: Session (Set-VisionDefault), Saved (the settings file), Environment (the
        /// variable named) or Built-in (the value named). A cmdlet's own parameter wins over all of them.
        /// </summary>
        public StringList Sources => new StringList(new[]
        {
            Source("BaseUri", ConfiguredBaseUri, Core.OpenAI.VisionConnection.BaseUriVariable, "https://api.openai.com/v1"),
            "ApiKey: " + ApiKeySource + (ApiKeySource == "Environment" ? " (OPENAI_API_KEY)" : string.Empty),
            Source("Model", Model, null, Infrastructure.SessionModel.BuiltIn),
            Source("Detail", Detail, null, "Auto"),
            Source("MaxRetries", MaxRetries, null, "3"),
            Source("TimeoutSec", TimeoutSec, null, "120"),
            Source("CachePath", CachePath, "VISIONPS_CACHE", Core.Caching.ResultCache.DefaultRoot()),
            Source("BatchPath", BatchPath, "VISIONPS_BATCHES", Core.Batching.BatchStore.DefaultRoot()),
        }.Concat(new (string Name, object? Value)[]
        {
            ("AzureEndpoint", AzureEndpoint), ("AzureDeployment", AzureDeployment), ("AzureApiVersion", AzureApiVersion),
            ("Proxy", Proxy), ("CacheExpiry", CacheExpiry), ("CacheMaxBytes", CacheMaxBytes),
        }.Where(s => s.Value != null).Select(s => Source(s.Name, s.Value, null, string.Empty))));

        private string Source(string name, object? configured, string? variable, string builtIn)
        {
            if (configured != null)
            {
                return $"{name}: {(_saved.Contains(name) ? "Saved" : "Session")}";
            }
            if (variable != null && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)))
            {
                return $"{name}: Environment ({variable})";
            }
            return $"{name}: Built-in ({builtIn})";
        }

        internal SecureString? ApiKey { get; set; }

        /// <summary>Where the key will come from: Session (Set-VisionDefault), Environment (OPENAI_API_KEY) or None.</summary>
        public string ApiKeySource => ApiKey is { Length: > 0 } ? "Session"
            : string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OPENAI_API_KEY")) ? "None" : "Environment";

        /// <summary>Model used when a cmdlet is given none.</summary>
        public string? Model { get; internal set; }

        /// <summary>The image detail cmdlets use when given no -Detail (null: Auto).</summary>
        public Core.ImageDetail? Detail { get; internal set; }

        /// <summary>Azure OpenAI resource endpoint, e.g. https://contoso.openai.azure.com/.</summary>
        public Uri? AzureEndpoint { get; internal set; }

        /// <summary>Azure OpenAI deployment name.</summary>
        public string? AzureDeployment { get; internal set; }

        /// <summary>Azure OpenAI api-version.</summary>
        public string? AzureApiVersion { get; internal set; }

        /// <summary>How often a 429 or 5xx is retried.</summary>
        public int? MaxRetries { get; internal set; }

        /// <summary>Proxy for requests; none set means the system proxy settings.</summary>
        public Uri? Proxy { get; internal set; }

        /// <summary>Request timeout in seconds.</summary>
        public int? TimeoutSec { get; internal set; }

        /// <summary>Folder of the answer cache (default: VISIONPS_CACHE, else the per-OS cache folder).</summary>
        public string? CachePath { get; internal set; }

        /// <summary>How long a cached answer stays valid (default 30 days).</summary>
        public TimeSpan? CacheExpiry { get; internal set; }

        /// <summary>Size cap of the answer cache in bytes (default 256 MiB).</summary>
        public long? CacheMaxBytes { get; internal set; }

        /// <summary>Folder of the local batch records (default: VISIONPS_BATCHES, else the per-OS data folder).</summary>
        public string? BatchPath { get; internal set; }

        /// <summary>The batch record store these defaults describe.</summary>
        internal Core.Batching.BatchStore OpenBatchStore() => new Core.Batching.BatchStore(BatchPath ?? Core.Batching.BatchStore.DefaultRoot());

        /// <summary>The answer cache these defaults describe.</summary>
        internal Core.Caching.ResultCache OpenCache() => new Core.Caching.ResultCache(
            CachePath ?? Core.Caching.ResultCache.DefaultRoot(),
            CacheExpiry ?? Core.Caching.ResultCache.DefaultExpiry,
            CacheMaxBytes ?? Core.Caching.ResultCache.DefaultMaxBytes);

        internal void Reset()
        {
            _saved.Clear();
            CachePath = null;
            CacheExpiry = null;
            CacheMaxBytes = null;
            BatchPath = null;
            ConfiguredBaseUri = null;
            ApiKey?.Dispose();
            ApiKey = null;
            Model = null;
            Detail = null;
            AzureEndpoint = null;
            AzureDeployment = null;
            AzureApiVersion = null;
            MaxRetries = null;
            Proxy = null;
            TimeoutSec = null;
        }

        /// <summary>Never includes the key.</summary>
        public override string ToString() =>
            $"VisionDefaults(BaseUri={BaseUri}, Model={Model}, ApiKeySource={ApiKeySource})";
    }
}
