using System;
using System.ClientModel;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OpenAI.Responses;

#pragma warning disable OPENAI001

namespace VisionPS.Core.OpenAI
{
    /// <summary>Streaming through the Responses API: its server-sent events (response.output_text.delta ... response.completed).</summary>
    public sealed partial class VisionClient
    {
        /// <summary>Streams a Responses answer: enumerate the text deltas, then read <see cref="ChatStream.Result"/>.</summary>
        public ChatStream StreamResponse(VisionRequest request, CancellationToken cancellationToken = default, SendGate? gate = null)
        {
            ThrowIfDisposed();
            CreateResponseOptions options = RequestBuilder.BuildResponse(request);
            options.StreamingEnabled = true;
            return new ChatStream((stream, token) => ProduceResponseStream(stream, options, request.ConversationId, request.JsonSchema is not null, gate, token), _scrubber, cancellationToken);
        }

        /// <summary>Streams a Responses answer, handing each text delta to <paramref name="onDelta"/> as it arrives.</summary>
        public async Task<ChatAnswer> RespondStreamingAsync(VisionRequest request, Action<string> onDelta, CancellationToken cancellationToken = default, SendGate? gate = null)
        {
            if (onDelta is null)
            {
                throw new ArgumentNullException(nameof(onDelta));
            }
            return await StreamResponse(request, cancellationToken, gate).DrainAsync(onDelta, cancellationToken).ConfigureAwait(false);
        }

        private async IAsyncEnumerable<string> ProduceResponseStream(ChatStream stream, CreateResponseOptions options, string? conversationId, bool json, SendGate? gate, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var text = new StringBuilder();
            ResponseResult? final = null;
            CallContext call = CallContext.Begin(gate);
            using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken); // see CallContext.Watchdog
            call.Watchdog = watchdog;
            call.WatchdogTime = _connection.Timeout;
            AsyncStreamingResult<StreamingResponseUpdate> result = await GuardAsync(() => _responses.CreateResponseStreamingAsync(options, watchdog.Token), cancellationToken).ConfigureAwait(false);
            await using AsyncStreamingResult<StreamingResponseUpdate> owned = result;
            IAsyncEnumerator<StreamingResponseUpdate> updates = ((IAsyncEnumerable<StreamingResponseUpdate>)result).GetAsyncEnumerator(watchdog.Token);
            try
            {
                while (await NextUpdateAsync(updates, call, text, cancellationToken).ConfigureAwait(false))
                {
                    StreamingResponseUpdate update = updates.Current;
                    switch (update)
                    {
                        case StreamingResponseOutputTextDeltaUpdate delta when !string.IsNullOrEmpty(delta.Delta):
                            text.Append(delta.Delta);
                            yield return delta.Delta;
                            break;
                        case StreamingResponseCompletedUpdate completed:
                            final = completed.Response;
                            break;
                        case StreamingResponseIncompleteUpdate incomplete:
                            final = incomplete.Response;
                            break;
                        case StreamingResponseFailedUpdate failed:
                            throw OpenAIRequestException.StreamBroken(call.Status, "response_failed", failed.Response?.Error?.Code.ToString(), null, $"The response failed while streaming: {failed.Response?.Error?.Message ?? "no reason given"}.", call.RequestId, _scrubber, text.ToString());
                        case StreamingResponseErrorUpdate error:
                            throw OpenAIRequestException.StreamBroken(call.Status, "server_error", error.Code, error.Param, $"The stream reported an error ({error.Code}): {error.Message}", call.RequestId, _scrubber, text.ToString());
                    }
                }
            }
            finally
            {
                await updates.DisposeAsync().ConfigureAwait(false);
            }
            if (final is null)
            {
                if (text.Length == 0)
                {
                    throw OpenAIRequestException.StreamBroken(call.Status, null, null, null, "The response stream ended without a response.completed event and without any answer.", call.RequestId, _scrubber);
                }
                // Cut short, perhaps, but paid for: the text streamed is the answer, marked FinishReason incomplete.
                stream.ResultOrNull = new ChatAnswer
                {
                    Api = "responses",
                    Text = text.ToString(),
                    Json = json ? text.ToString() : null,
                    FinishReason = ChatAnswer.Incomplete,
                    ConversationId = conversationId,
                    Duration = clock.Elapsed,
                };
                yield break;
            }
            stream.ResultOrNull = AnswerReader.FromResponse(final, conversationId, json, clock.Elapsed, _scrubber, text.ToString());
        }
    }
}
