using System;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OpenAI;
using OpenAI.Chat;

// Responses, Conversations and Assistants are [Experimental] in the SDK; VisionPS uses them on purpose (issue 4).
#pragma warning disable OPENAI001

namespace VisionPS.Core.OpenAI
{
    /// <summary>Chat Completions: one answer, or a stream of deltas.</summary>
    public sealed partial class VisionClient
    {
        /// <summary>
        /// Asks a model about images through Chat Completions. With a <paramref name="gate"/>, the request is described
        /// (from the bytes that will be sent) and sent only when the gate agrees; otherwise
        /// <see cref="RequestDeclinedException"/>. An answer that cannot be read is an <see cref="OpenAIRequestException"/>
        /// with <see cref="OpenAIRequestException.IsUnreadable"/>.
        /// </summary>
        public async Task<ChatAnswer> ChatAsync(VisionRequest request, CancellationToken cancellationToken = default, SendGate? gate = null)
        {
            ThrowIfDisposed();
            (List<ChatMessage> messages, ChatCompletionOptions options) = RequestBuilder.BuildChat(request);
            ChatClient chat = GetChatClient(request.Model);
            var clock = Stopwatch.StartNew();
            CallContext call = CallContext.Begin(gate);
            return await ReadAsync(call, () => chat.CompleteChatAsync(messages, options, cancellationToken),
                result => AnswerReader.FromCompletion(result.Value, request.JsonSchema is not null, clock.Elapsed, result.GetRawResponse().Content), cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Streams a Chat Completions answer: enumerate the deltas, then read <see cref="ChatStream.Result"/>.</summary>
        public ChatStream StreamChat(VisionRequest request, CancellationToken cancellationToken = default, SendGate? gate = null)
        {
            ThrowIfDisposed();
            (List<ChatMessage> messages, ChatCompletionOptions options) = RequestBuilder.BuildChat(request);
            ChatClient chat = GetChatClient(request.Model);
            return new ChatStream((stream, token) => ProduceChatStream(stream, chat, messages, options, request.JsonSchema is not null, gate, token), _scrubber, cancellationToken);
        }

        /// <summary>Streams a Chat Completions answer, handing each delta to <paramref name="onDelta"/> as it arrives.</summary>
        public async Task<ChatAnswer> ChatStreamingAsync(VisionRequest request, Action<string> onDelta, CancellationToken cancellationToken = default, SendGate? gate = null)
        {
            if (onDelta is null)
            {
                throw new ArgumentNullException(nameof(onDelta));
            }
            return await StreamChat(request, cancellationToken, gate).DrainAsync(onDelta, cancellationToken).ConfigureAwait(false);
        }

        private async IAsyncEnumerable<string> ProduceChatStream(ChatStream stream, ChatClient chat, List<ChatMessage> messages, ChatCompletionOptions options, bool json, SendGate? gate, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var text = new StringBuilder();
            var answer = new ChatAnswer { Api = "chat" };
            CallContext call = CallContext.Begin(gate);
            call.BufferJson = true;
            using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            call.Watchdog = watchdog;
            call.WatchdogTime = _connection.Timeout;
            IAsyncEnumerator<StreamingChatCompletionUpdate> updates = chat.CompleteChatStreamingAsync(messages, options, watchdog.Token).GetAsyncEnumerator(watchdog.Token);
            try
            {
                while (await NextUpdateAsync(updates, call, text, cancellationToken).ConfigureAwait(false))
                {
                    StreamingChatCompletionUpdate update = updates.Current;
                    if (StreamErrorOf(update) is string errorJson)
                    {
                        // The service's error event ({"error":{...}}) mid-stream: the SDK reads it as an empty update.
                        throw OpenAIRequestException.StreamError(call.Status, errorJson, call.RequestId, _scrubber, text.ToString());
                    }
                    answer.ResponseId ??= update.CompletionId;
                    answer.Model ??= update.Model;
                    if (update.FinishReason is ChatFinishReason reason)
                    {
                        answer.FinishReason = AnswerReader.FinishReasonText(reason);
                    }
                    if (update.Usage is ChatTokenUsage usage)
                    {
                        answer.PromptTokens = usage.InputTokenCount;
                        answer.CompletionTokens = usage.OutputTokenCount;
                        answer.TotalTokens = usage.TotalTokenCount;
                    }
                    foreach (ChatMessageContentPart part in update.ContentUpdate)
                    {
                        if (!string.IsNullOrEmpty(part.Text))
                        {
                            text.Append(part.Text);
                            yield return part.Text;
                        }
                    }
                }
            }
            finally
            {
                await updates.DisposeAsync().ConfigureAwait(false);
            }
            if (text.Length == 0 && call.Body is BinaryData plain && call.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) == true)
            {
                // A server that ignores stream: true answers one JSON completion: read it as one.
                ChatAnswer whole;
                try
                {
                    ChatCompletion completion = ModelReaderWriter.Read<ChatCompletion>(plain, ModelReaderWriterOptions.Json, OpenAIContext.Default)
                        ?? throw new FormatException("the answer is empty");
                    whole = AnswerReader.FromCompletion(completion, json, clock.Elapsed, plain);
                }
                catch (Exception ex) when (IsUnreadable(ex, call, cancellationToken))
                {
                    throw Unreadable(call, ex);
                }
                if (whole.Text.Length > 0)
                {
                    yield return whole.Text;
                }
                stream.ResultOrNull = whole;
                yield break;
            }
            if (answer.FinishReason is null)
            {
                // Every complete stream says why it ended (stop, length, ...) before [DONE]. One that does not may be cut
                // short, but the text it did stream was paid for: it is the answer, marked FinishReason incomplete.
                if (text.Length == 0)
                {
                    throw OpenAIRequestException.StreamBroken(call.Status, null, null, null,
                        "The answer's stream ended without any answer and without saying why (no finish_reason).", call.RequestId, _scrubber);
                }
                answer.FinishReason = ChatAnswer.Incomplete;
            }
            answer.Text = text.ToString();
            answer.Json = json ? answer.Text : null;
            answer.Duration = clock.Elapsed;
            stream.ResultOrNull = answer;
        }

        /// <summary>The raw JSON of an update's "error" member (an error event), or null.</summary>
        private static string? StreamErrorOf(StreamingChatCompletionUpdate update)
        {
#pragma warning disable SCME0001 // JsonPatch holds the members the SDK does not model
            // Only an object or a string is an error: a server that writes every member sends "error": null in each chunk.
            return update.Patch.TryGetJson("$.error"u8, out ReadOnlyMemory<byte> error) && FirstByte(error.Span) is (byte)'{' or (byte)'"'
                ? Encoding.UTF8.GetString(error.ToArray())
                : null;
#pragma warning restore SCME0001
        }

        private static byte FirstByte(ReadOnlySpan<byte> json)
        {
            foreach (byte b in json)
            {
                if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
                {
                    return b;
                }
            }
            return 0;
        }
    }
}
