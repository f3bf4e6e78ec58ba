using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;

namespace VisionPS.Core.OpenAI
{
    /// <summary>
    /// Asked once per request, before it is sent, with the request as it will go on the wire (method, URL and the
    /// JSON body with inline base64 shortened). Returns false to send nothing. Give a gate only when someone will read
    /// the description (-WhatIf, -Confirm, -Debug): without one, nothing is described.
    /// </summary>
    public delegate Task<bool> SendGate(string description);

    /// <summary>Thrown (and caught by the caller) when a <see cref="SendGate"/> declined a request: nothing was sent.</summary>
    public sealed class RequestDeclinedException : Exception
    {
        internal RequestDeclinedException()
            : base("The request was not sent.")
        {
        }
    }

    /// <summary>
    /// The state of one call through a <see cref="VisionClient"/> (it flows with the async call into the SDK's
    /// pipeline): the gate to ask before sending, and the raw answer, kept so an answer the SDK cannot read can still
    /// be shown.
    /// </summary>
    internal sealed class CallContext
    {
        private static readonly AsyncLocal<CallContext?> s_current = new AsyncLocal<CallContext?>();

        private static readonly AsyncLocal<Action<BinaryData>?> s_capture = new AsyncLocal<Action<BinaryData>?>();

        internal static CallContext? Current => s_current.Value;

        internal SendGate? Gate { get; set; }

        /// <summary>Takes the serialized body instead of sending it (see <see cref="CaptureAsync"/>).</summary>
        internal Action<BinaryData>? Capture { get; private set; }

        internal bool Declined { get; set; }

        /// <summary>For a streamed call: buffer the answer when it comes back as plain JSON instead of a stream.</summary>
        internal bool BufferJson { get; set; }

        /// <summary>
        /// For a streamed call: the source of the token the stream is read with. A timeout per read never ends a stream
        /// that sends a byte now and then but no event (or a plain JSON answer that never ends), so once the answer's
        /// headers are in, this is cancelled when no whole line of the answer has come for <see cref="WatchdogTime"/>;
        /// each line (SSE keep-alive comments too, see <see cref="LineWatchStream"/>) starts it again.
        /// </summary>
        internal CancellationTokenSource? Watchdog { get; set; }

        /// <summary>The time the watchdog gives each line of a stream.</summary>
        internal TimeSpan WatchdogTime { get; set; }

        /// <summary>(Re)starts the watchdog: the next line of a stream, or the whole plain JSON answer, must come within its time.</summary>
        internal void StartWatchdog()
        {
            if (Watchdog is CancellationTokenSource watchdog && WatchdogTime > TimeSpan.Zero && WatchdogTime.TotalMilliseconds < int.MaxValue)
            {
                try
                {
                    watchdog.CancelAfter(WatchdogTime);
                }
                catch (ObjectDisposedException)
                {
                    // The stream has ended.
                }
            }
        }

        /// <summary>
        /// Set by <see cref="LineWatchStream"/> when lines that carry nothing (SSE keep-alive comments) kept coming past its
        /// cap, so they no longer restart the watchdog: how long the stream had then sent nothing but them.
        /// </summary>
        internal TimeSpan? KeepAliveOnly { get; set; }

        /// <summary>Whether the watchdog, not the caller, ended the read.</summary>
        internal bool WatchdogFired(CancellationToken caller) => Watchdog?.IsCancellationRequested == true && !caller.IsCancellationRequested;

        internal int Status { get; set; }

        internal string? RequestId { get; set; }

        /// <summary>The address the last try was sent to.</summary>
        internal Uri? RequestUri { get; set; }

        internal string? ContentType { get; set; }

        /// <summary>The buffered answer body (null for a stream still being read).</summary>
        internal BinaryData? Body { get; set; }

        /// <summary>Makes a fresh context current for the rest of the calling async flow.</summary>
        internal static CallContext Begin(SendGate? gate)
        {
            var context = new CallContext { Gate = gate, Capture = s_capture.Value };
            s_current.Value = context;
            return context;
        }

        /// <summary>
        /// Runs <paramref name="call"/> with each request it makes serialized by the live pipeline (the bytes a send
        /// would put on the wire), handed to <paramref name="capture"/>, and not sent.
        /// </summary>
        internal static async Task CaptureAsync(Func<Task> call, Action<BinaryData> capture)
        {
            s_capture.Value = capture; // an async method's change stays within its own flow
            try
            {
                await call().ConfigureAwait(false);
            }
            catch (RequestDeclinedException)
            {
                // Expected: captured, not sent.
            }
        }
    }

    /// <summary>
    /// A per-call policy (it runs once per request, before retries): asks the call's <see cref="SendGate"/> with the
    /// body serialized once, sends those same bytes, and keeps the raw answer in the <see cref="CallContext"/>.
    /// </summary>
    internal sealed class SendGatePolicy : PipelinePolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
            => ProcessAsync(message, pipeline, currentIndex).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            CallContext? call = CallContext.Current;
            if (call is not null && (call.Gate is not null || call.Capture is not null) && message.Request.Content is BinaryContent content)
            {
                // Serialize once: the description and the wire carry the same bytes.
                using var buffer = new MemoryStream();
                await content.WriteToAsync(buffer, message.CancellationToken).ConfigureAwait(false);
                var body = BinaryData.FromBytes(buffer.ToArray());
                message.Request.Content = BinaryContent.Create(body);
                if (call.Capture is Action<BinaryData> capture)
                {
                    capture(body);
                    call.Declined = true;
                    throw new RequestDeclinedException();
                }
                if (call.Gate is SendGate gate && !await gate(Describe(message.Request.Method, message.Request.Uri, body)).ConfigureAwait(false))
                {
                    call.Declined = true;
                    throw new RequestDeclinedException();
                }
            }
            await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
            if (call is not null && message.Response is PipelineResponse response)
            {
                call.Status = response.Status;
                call.RequestUri = message.Request.Uri;
                call.RequestId = response.Headers.TryGetValue("x-request-id", out string? id) ? id : null;
                call.ContentType = response.Headers.TryGetValue("Content-Type", out string? type) ? type : null;
                if (response.Status is >= 200 and < 300)
                {
                    call.StartWatchdog();
                }
                bool json = call.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) == true;
                if (call.BufferJson && response.Status is >= 200 and < 300 && json)
                {
                    await response.BufferContentAsync(message.CancellationToken).ConfigureAwait(false);
                }
                else if (call.Watchdog is not null && response.Status is >= 200 and < 300 && !json && response.ContentStream is Stream body)
                {
                    // A stream of events: each whole line (keep-alive comments too) restarts the watchdog. A plain JSON
                    // answer keeps the whole-answer rule.
                    response.ContentStream = new LineWatchStream(body, call);
                }
                try
                {
                    call.Body = response.Content; // buffered answers only; a stream being read throws
                }
                catch (InvalidOperationException)
                {
                }
            }
        }

        /// <summary>Method, URL and JSON body, with each data: URL's base64 shortened to its start, length and SHA-256.</summary>
        internal static string Describe(string method, Uri? uri, BinaryData body)
        {
            JsonNode? parsed;
            try
            {
                parsed = JsonNode.Parse(body.ToMemory().Span);
            }
            catch (JsonException)
            {
                parsed = JsonValue.Create($"({body.ToMemory().Length} bytes, not JSON)");
            }
            var description = new JsonObject
            {
                ["method"] = method,
                ["url"] = uri is null ? null : UriText.Absolute(uri), // never a user name or password written into it
                ["body"] = RequestDescriber.ShortenDataUrls(parsed),
            };
            return description.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        }
    }
}
