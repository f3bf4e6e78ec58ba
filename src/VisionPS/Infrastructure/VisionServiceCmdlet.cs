using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.OpenAI;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// A cmdlet that talks to the service: the connection parameters every such cmdlet takes (each falls back to
    /// Set-VisionDefault, then the environment), and the images it collects from parameters and the pipeline.
    /// </summary>
    public abstract class VisionServiceCmdlet : AsyncPSCmdlet
    {
        /// <summary>The images given so far, in input order.</summary>
        private protected List<ImageWork> Work { get; } = new List<ImageWork>();

        /// <summary>The connection, resolved in BeginProcessing.</summary>
        private protected VisionConnection Connection { get; private set; } = null!;

        /// <summary>Base URI of an OpenAI-compatible endpoint (default: Set-VisionDefault, OPENAI_BASE_URL, OpenAI).</summary>
        [Parameter]
        [ValidateNotNull]
        [PSDefaultValue(Help = "Set-VisionDefault -BaseUri, else OPENAI_BASE_URL, else https://api.openai.com/v1")]
        public Uri? BaseUri { get; set; }

        /// <summary>The API key, as a SecureString or a plain string (default: Set-VisionDefault, OPENAI_API_KEY).</summary>
        [Parameter]
        [ValidateNotNull]
        [PSDefaultValue(Help = "Set-VisionDefault -ApiKey, else OPENAI_API_KEY")]
        [SecureStringTransformation]
        public SecureString? ApiKey { get; set; }

        /// <summary>How often a rate-limited (429) or failed (5xx) request is retried.</summary>
        [Parameter]
        [ValidateRange(0, SavedSettings.MaxRetriesLimit)]
        [PSDefaultValue(Help = "3, or Set-VisionDefault -MaxRetries")]
        public int MaxRetries { get; set; }

        /// <summary>Request timeout in seconds.</summary>
        [Parameter]
        [ValidateRange(1, SavedSettings.TimeoutSecLimit)]
        [PSDefaultValue(Help = "120, or Set-VisionDefault -TimeoutSec")]
        public int TimeoutSec { get; set; }

        /// <summary>False for a run that only reads local state (Get-VisionBatch -Local): then no key is needed.</summary>
        private protected virtual bool SendsRequests => true;

        private protected bool IsBound(string name) => MyInvocation.BoundParameters.ContainsKey(name);

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (!SendsRequests)
            {
                // Local state only (Get-VisionBatch -Local): no endpoint or key is read, so a malformed one stops nothing.
                Connection = new VisionConnection();
                return;
            }
            Connection = ConnectionParameters.Resolve(this, BaseUri, ApiKey,
                IsBound(nameof(MaxRetries)) ? MaxRetries : null, IsBound(nameof(TimeoutSec)) ? TimeoutSec : null,
                requireKey: SendsRequests && !ConnectionParameters.IsWhatIf(this));
            // One verbose line per HTTP try (method, URL, status, time) and per shared rate-limit pause; the transport
            // scrubs credentials from them, and a sink that fails (the pipeline has ended) never fails a request.
            Connection.Verbose = EmitVerbose;
            // The clear-text warning comes when a request is about to go (not under -WhatIf, nor after a -Confirm
            // answered No), from every client of this command, the endpoints a batch's record names included.
            Connection.Warning = WarnOnceAsync;
        }

        // The warnings given (or being given) in this command: each names its endpoint, so each comes once per endpoint
        // however many clients and requests go there.
        private readonly Dictionary<string, Task> _warned = new Dictionary<string, Task>(StringComparer.Ordinal);

        private Task WarnOnceAsync(string warning)
        {
            lock (_warned)
            {
                if (!_warned.TryGetValue(warning, out Task? given))
                {
                    given = EmitWarningAsync(warning);
                    _warned[warning] = given;
                }
                return given;
            }
        }

        /// <summary>Adds an image input (or several); bad ones are written as errors here, on the pipeline thread.</summary>
        private protected void CollectImages(object? input, ImageDetail detail, string? model)
        {
            if (input != null)
            {
                Work.AddRange(ImageInputs.Collect(this, input, detail, model));
            }
        }
    }
}
