using System;
using System.Management.Automation;
using System.Security;

namespace VisionPS.Commands
{
    /// <summary>
    /// Sets connection and request defaults for the current PowerShell session.
    /// </summary>
    /// <remarks>
    /// Set-VisionDefault stores the endpoint, API key, model, Azure OpenAI settings, retry count, proxy and timeout
    /// for the current session, so scripts don't repeat them on every call. A parameter given to a cmdlet wins over
    /// these defaults, and these win over the OPENAI_API_KEY and OPENAI_BASE_URL environment variables. The key is
    /// kept as a SecureString and never shown: Get-VisionDefault only says where it comes from. Only the parameters
    /// you pass are changed; -Reset clears everything first.
    /// </remarks>
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
    [Cmdlet(VerbsCommon.Set, "VisionDefault", HelpUri = ProjectLinks.HelpUri, SupportsShouldProcess = false)]
    [OutputType(typeof(VisionDefaults))]
    public sealed class SetVisionDefaultCommand : PSCmdlet
    {
        /// <summary>Base URI of an OpenAI-compatible endpoint (default: OPENAI_BASE_URL, else OpenAI).</summary>
        [Parameter]
        [ValidateNotNull]
        public Uri? BaseUri { get; set; }

        /// <summary>The API key, as a SecureString (default: OPENAI_API_KEY).</summary>
        [Parameter]
        [ValidateNotNull]
        public SecureString? ApiKey { get; set; }

        /// <summary>The model cmdlets use when none is given.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Infrastructure.ModelCompleter))]
        public string? Model { get; set; }

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
        [ValidateRange(0, 20)]
        public int MaxRetries { get; set; }

        /// <summary>Proxy for requests; without it the system proxy settings apply.</summary>
        [Parameter]
        [ValidateNotNull]
        public Uri? Proxy { get; set; }

        /// <summary>Request timeout in seconds.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; }

        /// <summary>Folder of the answer cache (default: VISIONPS_CACHE, else the per-OS cache folder).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CachePath { get; set; }

        /// <summary>How long a cached answer stays valid (default 30 days).</summary>
        [Parameter]
        public TimeSpan CacheExpiry { get; set; }

        /// <summary>Size cap of the answer cache in MiB (default 256).</summary>
        [Parameter]
        [ValidateRange(1, 1048576)]
        public int CacheMaxMB { get; set; }

        /// <summary>Folder of the local batch records written by Start-VisionBatch (default: VISIONPS_BATCHES, else the per-OS data folder).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? BatchPath { get; set; }

        /// <summary>Clears every default of this session before applying the other parameters.</summary>
        [Parameter]
        public SwitchParameter Reset { get; set; }

        /// <summary>Writes the resulting defaults (without the key).</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void EndProcessing()
        {
            VisionDefaults defaults = VisionDefaults.Current;
            if (Reset)
            {
                defaults.Reset();
            }
            if (BaseUri != null)
            {
                defaults.BaseUri = BaseUri;
            }
            if (ApiKey != null)
            {
                defaults.ApiKey?.Dispose();
                defaults.ApiKey = ApiKey.Copy();
                defaults.ApiKey.MakeReadOnly();
            }
            if (Model != null)
            {
                defaults.Model = Model;
            }
            if (AzureEndpoint != null)
            {
                defaults.AzureEndpoint = AzureEndpoint;
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
            if (BatchPath != null)
            {
                defaults.BatchPath = SessionState.Path.GetUnresolvedProviderPathFromPSPath(BatchPath);
            }
            if (CachePath != null)
            {
                defaults.CachePath = SessionState.Path.GetUnresolvedProviderPathFromPSPath(CachePath);
            }
            if (MyInvocation.BoundParameters.ContainsKey(nameof(CacheExpiry)))
            {
                if (CacheExpiry <= TimeSpan.Zero)
                {
                    ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(CacheExpiry), "-CacheExpiry must be positive."),
                        "InvalidCacheExpiry", ErrorCategory.InvalidArgument, CacheExpiry));
                }
                defaults.CacheExpiry = CacheExpiry;
            }
            if (MyInvocation.BoundParameters.ContainsKey(nameof(CacheMaxMB)))
            {
                defaults.CacheMaxBytes = CacheMaxMB * 1024L * 1024L;
            }
            if (PassThru)
            {
                WriteObject(defaults);
            }
        }
    }
}
