using System;
using System.Runtime.CompilerServices;
using System.Management.Automation.Runspaces;
using System.Security;

namespace VisionPS
{
    /// <summary>
    /// Connection and request defaults for the current PowerShell session (runspace), set with Set-VisionDefault so
    /// scripts don't repeat them. Parameters given to a cmdlet win over these; these win over OPENAI_API_KEY and
    /// OPENAI_BASE_URL. The key is held as a SecureString and never shown.
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
                return runspace is null ? s_noRunspace : s_perRunspace.GetValue(runspace, _ => new VisionDefaults());
            }
        }

        /// <summary>Endpoint base URI (OpenAI-compatible servers), e.g. http://127.0.0.1:11434/v1.</summary>
        public Uri? BaseUri { get; internal set; }

        internal SecureString? ApiKey { get; set; }

        /// <summary>Where the key will come from: Session (Set-VisionDefault), Environment (OPENAI_API_KEY) or None.</summary>
        public string ApiKeySource => ApiKey is { Length: > 0 } ? "Session"
            : string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OPENAI_API_KEY")) ? "None" : "Environment";

        /// <summary>Model used when a cmdlet is given none.</summary>
        public string? Model { get; internal set; }

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
            CachePath = null;
            CacheExpiry = null;
            CacheMaxBytes = null;
            BatchPath = null;
            BaseUri = null;
            ApiKey?.Dispose();
            ApiKey = null;
            Model = null;
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
