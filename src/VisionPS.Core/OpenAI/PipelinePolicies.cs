using System;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading.Tasks;

namespace VisionPS.Core.OpenAI
{
    /// <summary>Adds fixed headers and, for Azure, the api-version query to every request.</summary>
    internal sealed class RequestShapingPolicy : PipelinePolicy
    {
        private readonly string? _apiVersion;
        private readonly KeyValuePair<string, string>[] _headers;

        internal RequestShapingPolicy(string? apiVersion, KeyValuePair<string, string>[] headers)
        {
            _apiVersion = apiVersion;
            _headers = headers;
        }

        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Shape(message);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Shape(message);
            return ProcessNextAsync(message, pipeline, currentIndex);
        }

        private void Shape(PipelineMessage message)
        {
            foreach (KeyValuePair<string, string> header in _headers)
            {
                message.Request.Headers.Set(header.Key, header.Value);
            }
            if (_apiVersion is not null && message.Request.Uri is Uri uri && uri.Query.IndexOf("api-version=", StringComparison.Ordinal) < 0)
            {
                var builder = new UriBuilder(uri);
                string query = builder.Query.TrimStart('?');
                builder.Query = (query.Length == 0 ? "" : query + "&") + "api-version=" + Uri.EscapeDataString(_apiVersion);
                message.Request.Uri = builder.Uri;
            }
        }
    }

    /// <summary>
    /// Gives a client's warning (<see cref="VisionConnection.Warning"/>) once, just before its first try goes on the wire:
    /// a per-try policy after the rate-limit wait, so past the send gate (never under -WhatIf or after a -Confirm answered
    /// No) and past a wait that may still decline. Every try waits until it has been given; when giving it fails, nothing
    /// of this client is sent.
    /// </summary>
    internal sealed class WarnBeforeSendingPolicy : PipelinePolicy
    {
        private readonly Func<string, Task> _say;
        private readonly string _warning;
        private readonly object _lock = new object();
        private Task? _said;

        internal WarnBeforeSendingPolicy(Func<string, Task> say, string warning)
        {
            _say = say;
            _warning = warning;
        }

        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
            => ProcessAsync(message, pipeline, currentIndex).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Task said;
            lock (_lock)
            {
                said = _said ??= SayAsync();
            }
            await said.ConfigureAwait(false);
            await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
        }

        private async Task SayAsync()
        {
            try
            {
                await _say(_warning).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                throw new RequestDeclinedException();
            }
        }
    }

    /// <summary>Reports each try (method, URL without query, status, duration) to <see cref="VisionConnection.Verbose"/>.</summary>
    internal sealed class VerbosePolicy : PipelinePolicy
    {
        private readonly Action<string> _write;
        private readonly SecretScrubber _scrubber;

        internal VerbosePolicy(Action<string> write, SecretScrubber scrubber)
        {
            _write = write;
            _scrubber = scrubber;
        }

        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            long start = Stopwatch.GetTimestamp();
            try
            {
                ProcessNext(message, pipeline, currentIndex);
            }
            finally
            {
                Report(message, start);
            }
        }

        public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            long start = Stopwatch.GetTimestamp();
            try
            {
                await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
            }
            finally
            {
                Report(message, start);
            }
        }

        private void Report(PipelineMessage message, long start)
        {
            double ms = (Stopwatch.GetTimestamp() - start) * 1000.0 / Stopwatch.Frequency;
            // Never a user name or password written into the endpoint (http://user:pass@host/v1).
            string url = message.Request.Uri is Uri uri ? UriText.ToPath(uri) : "?";
            string status = message.Response is PipelineResponse response ? "HTTP " + response.Status : "no response";
            try
            {
                _write(_scrubber.Scrub($"{message.Request.Method} {url}: {status} in {ms:0} ms"));
            }
            catch (Exception)
            {
                // A failing log sink must not fail the request.
            }
        }
    }
}
