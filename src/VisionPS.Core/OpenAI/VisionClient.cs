using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using OpenAI;
using OpenAI.Assistants;
using OpenAI.Batch;
using OpenAI.Chat;
using OpenAI.Conversations;
using OpenAI.Files;
using OpenAI.Responses;
using VisionPS.Core.Batching;

// Responses, Conversations and Assistants are [Experimental] in the SDK; VisionPS uses them on purpose (issue 4).
#pragma warning disable OPENAI001

namespace VisionPS.Core.OpenAI
{
    /// <summary>
    /// The transport: asks OpenAI-style vision models about images through the official SDK's clients, sharing one
    /// pipeline (authentication, Azure shaping, retries, timeout, proxy). Every service failure surfaces as
    /// <see cref="OpenAIRequestException"/>; cancellation as <see cref="OperationCanceledException"/>.
    /// </summary>
    public sealed partial class VisionClient : IDisposable
    {
        private readonly VisionConnection _connection;
        private readonly HttpClient _http;
        private readonly HttpClientPipelineTransport _transport;
        private readonly VisionRetryPolicy _retryPolicy;
        private readonly RateLimitPolicy _rateLimitPolicy;
        private readonly RequestShapingPolicy _shapingPolicy;
        private readonly AuthenticationPolicy _authentication;
        private readonly Uri _resourceUri;
        private readonly Uri _chatUri;
        private readonly SecretScrubber _scrubber;
        private readonly ConcurrentDictionary<string, ChatClient> _chatClients = new ConcurrentDictionary<string, ChatClient>(StringComparer.Ordinal);
        private readonly ResponsesClient _responses;
        private readonly OpenAIFileClient _files;
        private readonly ConversationClient _conversations;
        private readonly AssistantClient _assistants;
        private readonly BatchClient _batches;
        private bool _disposed;

        /// <summary>Creates a client for a connection (which is copied: later changes to it have no effect).</summary>
        public VisionClient(VisionConnection connection)
            : this(connection, null)
        {
        }

        internal VisionClient(VisionConnection connection, HttpMessageHandler? handler)
        {
            if (connection is null)
            {
                throw new ArgumentNullException(nameof(connection));
            }
            _connection = connection.Clone();
            AzureOpenAISettings? azure = _connection.Azure;
            if (handler is null && azure is null && !_connection.HasApiKey && IsOpenAIHost(_connection.BaseUri))
            {
                throw new InvalidOperationException($"No OpenAI API key: set {VisionConnection.ApiKeyVariable} or pass one; a key is optional only for a compatible server given by its base URI.");
            }
            if (azure is not null && !_connection.HasApiKey && !azure.HasBearerToken)
            {
                throw new InvalidOperationException("Azure OpenAI needs an API key or a bearer token.");
            }
            _scrubber = new SecretScrubber(_connection.ApiKey, azure?.BearerToken);
            _resourceUri = azure?.ResourceUri ?? WithoutTrailingSlash(_connection.BaseUri);
            _chatUri = azure?.DeploymentUri ?? _resourceUri;

            _http = new HttpClient(handler ?? CreateHandler(_connection), disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
            _transport = new HttpClientPipelineTransport(_http);
            _retryPolicy = new VisionRetryPolicy(_connection.MaxRetries, _connection.RetryDelay, _connection.MaxRetryDelay);
            _rateLimitPolicy = new RateLimitPolicy(_connection.RetryDelay, _connection.MaxRetryDelay, _connection.Verbose, _scrubber);
            var headers = new List<KeyValuePair<string, string>>();
            if (!string.IsNullOrEmpty(_connection.Organization))
            {
                headers.Add(new KeyValuePair<string, string>("OpenAI-Organization", _connection.Organization!));
            }
            if (!string.IsNullOrEmpty(_connection.Project))
            {
                headers.Add(new KeyValuePair<string, string>("OpenAI-Project", _connection.Project!));
            }
            _shapingPolicy = new RequestShapingPolicy(azure?.ApiVersion, headers.ToArray());
            _authentication = CreateAuthentication(_connection);

            // Each SDK client builds its pipeline from its options; all share one transport, retry policy and credential.
            _responses = new ResponsesClient(_authentication, Configure(new ResponsesClientOptions { Endpoint = _resourceUri }));
            _files = new OpenAIFileClient(_authentication, Configure(new OpenAIClientOptions { Endpoint = _resourceUri }));
            _conversations = new ConversationClient(_authentication, Configure(new ConversationClientOptions { Endpoint = _resourceUri }));
            _assistants = new AssistantClient(_authentication, Configure(new AssistantClientOptions { Endpoint = _resourceUri }));
            _batches = new BatchClient(_authentication, Configure(new BatchClientOptions { Endpoint = _resourceUri }));
        }

        private T Configure<T>(T options)
            where T : ClientPipelineOptions
        {
            options.NetworkTimeout = _connection.Timeout;
            options.RetryPolicy = _retryPolicy;
            options.Transport = _transport;
            options.AddPolicy(_shapingPolicy, PipelinePosition.PerCall);
            options.AddPolicy(_rateLimitPolicy, PipelinePosition.PerTry);
            if (_connection.Verbose is Action<string> verbose)
            {
                options.AddPolicy(new VerbosePolicy(verbose, _scrubber), PipelinePosition.PerTry);
            }
            return options;
        }

        /// <summary>
        /// The back-off every request of this client shares: a rate-limit answer (429) to any request pauses them all
        /// for the server's retry-after and halves how many may be in flight; successes raise it again.
        /// </summary>
        internal RateLimitGate RateLimits => _rateLimitPolicy.Gate;

        /// <summary>Where requests go (for display; holds no credential).</summary>
        public Uri Endpoint => _resourceUri;

        /// <summary>Asks a model about images through Chat Completions.</summary>
        public async Task<ChatResult> ChatAsync(VisionRequest request, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            (List<ChatMessage> messages, ChatCompletionOptions options) = RequestBuilder.BuildChat(request);
            ChatClient chat = GetChatClient(request.Model);
            var clock = Stopwatch.StartNew();
            ClientResult<ChatCompletion> result = await GuardAsync(() => chat.CompleteChatAsync(messages, options, cancellationToken), cancellationToken).ConfigureAwait(false);
            return FromCompletion(result.Value, request.JsonSchema is not null, clock.Elapsed);
        }

        private static ChatResult FromCompletion(ChatCompletion completion, bool json, TimeSpan duration)
        {
            var text = new StringBuilder();
            foreach (ChatMessageContentPart part in completion.Content)
            {
                text.Append(part.Text);
            }
            var answer = new ChatResult
            {
                Api = "chat",
                Text = text.ToString(),
                Model = completion.Model,
                FinishReason = FinishReasonText(completion.FinishReason),
                ResponseId = completion.Id,
                PromptTokens = completion.Usage?.InputTokenCount ?? 0,
                CompletionTokens = completion.Usage?.OutputTokenCount ?? 0,
                TotalTokens = completion.Usage?.TotalTokenCount ?? 0,
                Duration = duration,
            };
            if (json)
            {
                answer.Json = answer.Text;
            }
            return answer;
        }

        /// <summary>Streams a Chat Completions answer: enumerate the deltas, then read <see cref="ChatStream.Result"/>.</summary>
        public ChatStream StreamChat(VisionRequest request, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            (List<ChatMessage> messages, ChatCompletionOptions options) = RequestBuilder.BuildChat(request);
            ChatClient chat = GetChatClient(request.Model);
            return new ChatStream((stream, token) => ProduceChatStream(stream, chat, messages, options, request.JsonSchema is not null, token), cancellationToken);
        }

        /// <summary>Streams a Chat Completions answer, handing each delta to <paramref name="onDelta"/> as it arrives.</summary>
        public async Task<ChatResult> ChatStreamingAsync(VisionRequest request, Action<string> onDelta, CancellationToken cancellationToken = default)
        {
            if (onDelta is null)
            {
                throw new ArgumentNullException(nameof(onDelta));
            }
            ChatStream stream = StreamChat(request, cancellationToken);
            await foreach (string delta in stream.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                onDelta(delta);
            }
            return stream.Result;
        }

        private async IAsyncEnumerable<string> ProduceChatStream(ChatStream stream, ChatClient chat, List<ChatMessage> messages, ChatCompletionOptions options, bool json, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var text = new StringBuilder();
            var answer = new ChatResult { Api = "chat" };
            IAsyncEnumerator<StreamingChatCompletionUpdate> updates = chat.CompleteChatStreamingAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    StreamingChatCompletionUpdate update;
                    try
                    {
                        if (!await updates.MoveNextAsync().ConfigureAwait(false))
                        {
                            break;
                        }
                        update = updates.Current;
                    }
                    catch (Exception ex) when (Translate(ex, cancellationToken) is Exception translated)
                    {
                        throw translated;
                    }
                    answer.ResponseId ??= update.CompletionId;
                    answer.Model ??= update.Model;
                    if (update.FinishReason is ChatFinishReason reason)
                    {
                        answer.FinishReason = FinishReasonText(reason);
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
            answer.Text = text.ToString();
            answer.Json = json ? answer.Text : null;
            answer.Duration = clock.Elapsed;
            stream.ResultOrNull = answer;
        }

        /// <summary>Asks a model about images through the Responses API (optionally continuing a conversation).</summary>
        public async Task<ChatResult> RespondAsync(VisionRequest request, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            CreateResponseOptions options = RequestBuilder.BuildResponse(request);
            var clock = Stopwatch.StartNew();
            ClientResult<ResponseResult> result = await GuardAsync(() => _responses.CreateResponseAsync(options, cancellationToken), cancellationToken).ConfigureAwait(false);
            return FromResponse(result.Value, request.ConversationId, request.JsonSchema is not null, clock.Elapsed);
        }

        private static ChatResult FromResponse(ResponseResult response, string? conversationId, bool json, TimeSpan duration)
        {
            string? finish = response.Status switch
            {
                ResponseStatus.Completed => "stop",
                ResponseStatus.Incomplete => response.IncompleteStatusDetails?.Reason?.ToString() is string r && r.IndexOf("max", StringComparison.OrdinalIgnoreCase) >= 0 ? "length" : "content_filter",
                null => null,
                ResponseStatus other => other.ToString().ToLowerInvariant(),
            };
            var answer = new ChatResult
            {
                Api = "responses",
                Text = response.GetOutputText() ?? string.Empty,
                Model = response.Model,
                FinishReason = finish,
                ResponseId = response.Id,
                ConversationId = response.ConversationOptions?.ConversationId ?? conversationId,
                PromptTokens = response.Usage?.InputTokenCount ?? 0,
                CompletionTokens = response.Usage?.OutputTokenCount ?? 0,
                TotalTokens = response.Usage?.TotalTokenCount ?? 0,
                Duration = duration,
            };
            if (json)
            {
                answer.Json = answer.Text;
            }
            return answer;
        }

        /// <summary>Uploads an image (purpose vision by default), optionally deleted by the service after <paramref name="expiresAfter"/>.</summary>
        public async Task<VisionFile> UploadFileAsync(ReadOnlyMemory<byte> bytes, string fileName, string purpose = "vision", TimeSpan? expiresAfter = null, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            (BinaryData body, string contentType) = RequestBuilder.BuildUpload(bytes, fileName, purpose, expiresAfter);
            ClientResult result = await GuardAsync(() => _files.UploadFileAsync(BinaryContent.Create(body), contentType, Options(cancellationToken)), cancellationToken).ConfigureAwait(false);
            return VisionFile.Parse(result.GetRawResponse().Content);
        }

        /// <summary>Uploads an image read from a stream (read to its end; images are small enough to hold).</summary>
        public async Task<VisionFile> UploadFileAsync(Stream content, string fileName, string purpose = "vision", TimeSpan? expiresAfter = null, CancellationToken cancellationToken = default)
        {
            if (content is null)
            {
                throw new ArgumentNullException(nameof(content));
            }
            using var buffer = new MemoryStream();
#if NET
            await content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
#else
            await content.CopyToAsync(buffer, 81920, cancellationToken).ConfigureAwait(false);
#endif
            return await UploadFileAsync(new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length), fileName, purpose, expiresAfter, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Reads a stored file's metadata.</summary>
        public async Task<VisionFile> GetFileAsync(string fileId, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            RequireId(fileId, nameof(fileId));
            ClientResult result = await GuardAsync(() => _files.GetFileAsync(fileId, Options(cancellationToken)), cancellationToken).ConfigureAwait(false);
            return VisionFile.Parse(result.GetRawResponse().Content);
        }

        /// <summary>Deletes a stored file; true when the service says it is deleted.</summary>
        public async Task<bool> DeleteFileAsync(string fileId, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            RequireId(fileId, nameof(fileId));
            ClientResult result = await GuardAsync(() => _files.DeleteFileAsync(fileId, Options(cancellationToken)), cancellationToken).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(result.GetRawResponse().Content.ToMemory());
            return doc.RootElement.TryGetProperty("deleted", out JsonElement deleted) && deleted.ValueKind == JsonValueKind.True;
        }

        /// <summary>Creates an empty conversation (Conversations API) and returns its id.</summary>
        public async Task<string> CreateConversationAsync(CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            ClientResult result = await GuardAsync(() => _conversations.CreateConversationAsync(BinaryContent.Create(BinaryData.FromString("{}")), Options(cancellationToken)), cancellationToken).ConfigureAwait(false);
            return ReadId(result);
        }

        /// <summary>Adds a user message with text and images (file ids, URLs or inline bytes) to a conversation; returns the item's id.</summary>
        public async Task<string> AddConversationItemAsync(string conversationId, string? text, IEnumerable<VisionImageInput>? images, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            RequireId(conversationId, nameof(conversationId));
            BinaryData body = RequestBuilder.BuildConversationItems(text, images);
            ClientResult result = await GuardAsync(() => _conversations.CreateConversationItemsAsync(conversationId, BinaryContent.Create(body), null, Options(cancellationToken)), cancellationToken).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(result.GetRawResponse().Content.ToMemory());
            if (doc.RootElement.TryGetProperty("data", out JsonElement data) && data.ValueKind == JsonValueKind.Array && data.GetArrayLength() > 0
                && data[0].TryGetProperty("id", out JsonElement id) && id.GetString() is string itemId)
            {
                return itemId;
            }
            throw OpenAIRequestException.FromResponse(200, "{\"error\":{\"message\":\"The service answered without the created item.\"}}", null, _scrubber, null);
        }

        /// <summary>Creates an empty Assistants v2 thread (legacy servers) and returns its id.</summary>
        public async Task<string> CreateThreadAsync(CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            ClientResult<AssistantThread> result = await GuardAsync(() => _assistants.CreateThreadAsync(new ThreadCreationOptions(), cancellationToken), cancellationToken).ConfigureAwait(false);
            return result.Value.Id;
        }

        /// <summary>
        /// Adds a user message to an Assistants v2 thread (legacy): images by file id (<c>image_file</c>) or real http(s)
        /// URL (<c>image_url</c>). Inline image bytes are refused before anything is sent: threads reject data: URLs.
        /// </summary>
        public async Task<string> AddThreadMessageAsync(string threadId, string? text, IEnumerable<VisionImageInput>? images, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            RequireId(threadId, nameof(threadId));
            List<MessageContent> content = RequestBuilder.BuildThreadMessage(threadId, text, images);
            ClientResult<ThreadMessage> result = await GuardAsync(() => _assistants.CreateMessageAsync(threadId, global::OpenAI.Assistants.MessageRole.User, content, null, cancellationToken), cancellationToken).ConfigureAwait(false);
            return result.Value.Id;
        }

        /// <summary>
        /// Uploads a batch input file (purpose batch) and creates the batch (completion window 24h). When creating fails,
        /// the uploaded input is deleted again (best effort) so no orphan file is left behind.
        /// </summary>
        public async Task<VisionBatchJob> SubmitBatchAsync(BatchInputFile file, string fileName, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            if (file is null)
            {
                throw new ArgumentNullException(nameof(file));
            }
            if (string.IsNullOrEmpty(fileName) || !fileName.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException("A batch input file name must end in .jsonl.", nameof(fileName));
            }
            VisionFile input = await UploadFileAsync(file.Jsonl, fileName, "batch", null, cancellationToken).ConfigureAwait(false);
            try
            {
                return await CreateBatchAsync(input.Id, file.Api, metadata, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception)
            {
                try
                {
                    await DeleteFileAsync(input.Id, CancellationToken.None).ConfigureAwait(false);
                }
                catch (OpenAIRequestException)
                {
                    // The creation error is the one that matters.
                }
                throw;
            }
        }

        /// <summary>Creates a batch from an uploaded JSONL file (purpose batch).</summary>
        public async Task<VisionBatchJob> CreateBatchAsync(string inputFileId, BatchApi api, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            RequireId(inputFileId, nameof(inputFileId));
            if (metadata is not null && metadata.Count > 16)
            {
                throw new ArgumentException("A batch takes at most 16 metadata pairs.", nameof(metadata));
            }
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("input_file_id", inputFileId);
                writer.WriteString("endpoint", BatchInputBuilder.UrlOf(api));
                writer.WriteString("completion_window", "24h");
                if (metadata is not null && metadata.Count > 0)
                {
                    writer.WriteStartObject("metadata");
                    foreach (KeyValuePair<string, string> pair in metadata)
                    {
                        writer.WriteString(pair.Key, pair.Value);
                    }
                    writer.WriteEndObject();
                }
                writer.WriteEndObject();
            }
            BinaryData body = BinaryData.FromBytes(buffer.ToArray());
            CreateBatchOperation operation = await GuardAsync(() => _batches.CreateBatchAsync(BinaryContent.Create(body), waitUntilCompleted: false, Options(cancellationToken)), cancellationToken).ConfigureAwait(false);
            return VisionBatchJob.Parse(operation.GetRawResponse().Content);
        }

        /// <summary>Reads a batch's status and counts.</summary>
        public async Task<VisionBatchJob> GetBatchAsync(string batchId, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            RequireId(batchId, nameof(batchId));
            ClientResult result = await GuardAsync(() => _batches.GetBatchAsync(batchId, Options(cancellationToken)), cancellationToken).ConfigureAwait(false);
            return VisionBatchJob.Parse(result.GetRawResponse().Content);
        }

        /// <summary>Asks the service to cancel a batch; answers the batch as it is then (usually cancelling).</summary>
        public async Task<VisionBatchJob> CancelBatchAsync(string batchId, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            RequireId(batchId, nameof(batchId));
            CreateBatchOperation operation = await GuardAsync(() => CreateBatchOperation.RehydrateAsync(_batches, batchId, cancellationToken), cancellationToken).ConfigureAwait(false);
            ClientResult result = await GuardAsync(() => operation.CancelAsync(Options(cancellationToken)), cancellationToken).ConfigureAwait(false);
            return VisionBatchJob.Parse(result.GetRawResponse().Content);
        }

        /// <summary>Downloads a stored file's content (a batch's output or error JSONL).</summary>
        public async Task<BinaryData> DownloadFileAsync(string fileId, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            RequireId(fileId, nameof(fileId));
            ClientResult result = await GuardAsync(() => _files.DownloadFileAsync(fileId, Options(cancellationToken)), cancellationToken).ConfigureAwait(false);
            return result.GetRawResponse().Content;
        }

        /// <summary>
        /// Reads a batch output or error file (BatchRequestOutput lines): each line's answer as the same
        /// <see cref="ChatResult"/> a live request gives, or its failure as an <see cref="OpenAIRequestException"/>.
        /// A line without a readable custom_id is reported through <paramref name="unreadable"/> with its 1-based number.
        /// </summary>
        public IEnumerable<BatchOutcome> ReadBatchOutput(BinaryData jsonl, bool json = false, Action<int, string>? unreadable = null)
        {
            if (jsonl is null)
            {
                throw new ArgumentNullException(nameof(jsonl));
            }
            using var reader = new StreamReader(jsonl.ToStream(), Encoding.UTF8);
            int number = 0;
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                number++;
                if (line.Trim().Length == 0)
                {
                    continue;
                }
                BatchOutcome? outcome;
                string? problem;
                try
                {
                    (outcome, problem) = ReadOutputLine(line, json);
                }
                catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or ArgumentException)
                {
                    (outcome, problem) = (null, ex.Message);
                }
                if (outcome is not null)
                {
                    yield return outcome;
                }
                else
                {
                    unreadable?.Invoke(number, _scrubber.Scrub(problem ?? "unreadable line"));
                }
            }
        }

        private (BatchOutcome? Outcome, string? Problem) ReadOutputLine(string line, bool json)
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("custom_id", out JsonElement idElement) || idElement.ValueKind != JsonValueKind.String)
            {
                return (null, "the line has no custom_id");
            }
            string customId = idElement.GetString()!;
            if (root.TryGetProperty("response", out JsonElement response) && response.ValueKind == JsonValueKind.Object)
            {
                int status = response.TryGetProperty("status_code", out JsonElement code) && code.ValueKind == JsonValueKind.Number ? code.GetInt32() : 0;
                string? requestId = response.TryGetProperty("request_id", out JsonElement rid) && rid.ValueKind == JsonValueKind.String ? rid.GetString() : null;
                if (!response.TryGetProperty("body", out JsonElement body) || body.ValueKind != JsonValueKind.Object)
                {
                    return (new BatchOutcome(customId, null, OpenAIRequestException.FromResponse(status is >= 200 and < 300 ? 502 : status, null, requestId, _scrubber, null)), null);
                }
                if (status >= 200 && status < 300)
                {
                    BinaryData data = BinaryData.FromString(body.GetRawText());
                    ChatResult result;
                    if (body.TryGetProperty("object", out JsonElement kind) && kind.ValueKind == JsonValueKind.String && kind.GetString() == "response")
                    {
                        ResponseResult parsed = ModelReaderWriter.Read<ResponseResult>(data, ModelReaderWriterOptions.Json, OpenAIContext.Default)
                            ?? throw new FormatException("the response body is empty");
                        result = FromResponse(parsed, null, json, TimeSpan.Zero);
                    }
                    else
                    {
                        ChatCompletion parsed = ModelReaderWriter.Read<ChatCompletion>(data, ModelReaderWriterOptions.Json, OpenAIContext.Default)
                            ?? throw new FormatException("the completion body is empty");
                        result = FromCompletion(parsed, json, TimeSpan.Zero);
                    }
                    return (new BatchOutcome(customId, result, null), null);
                }
                return (new BatchOutcome(customId, null, OpenAIRequestException.FromResponse(status, body.GetRawText(), requestId, _scrubber, null)), null);
            }
            if (root.TryGetProperty("error", out JsonElement error) && error.ValueKind == JsonValueKind.Object)
            {
                // A request the batch could not run at all (expired, cancelled): {code, message} and no response.
                string wrapped = "{\"error\":" + error.GetRawText() + "}";
                return (new BatchOutcome(customId, null, OpenAIRequestException.FromResponse(400, wrapped, null, _scrubber, null)), null);
            }
            return (null, $"the line for '{customId}' has neither a response nor an error");
        }

        /// <summary>
        /// The Chat Completions request this client would send for <paramref name="request"/> (for -WhatIf): method, URL
        /// and JSON body exactly as serialized by the SDK, with inline base64 shortened. Sends nothing, holds no key.
        /// </summary>
        public string DescribeChatRequest(VisionRequest request, bool stream = false)
            => RequestDescriber.Describe(_chatUri, _connection, request, stream ? RequestDescriber.Kind.ChatStream : RequestDescriber.Kind.Chat);

        /// <summary>The Responses API request this client would send for <paramref name="request"/> (for -WhatIf).</summary>
        public string DescribeResponseRequest(VisionRequest request)
            => RequestDescriber.Describe(_resourceUri, _connection, request, RequestDescriber.Kind.Responses);

        /// <inheritdoc/>
        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                _http.Dispose();
            }
        }

        /// <inheritdoc/>
        public override string ToString() => $"VisionClient {_resourceUri}";

        private ChatClient GetChatClient(string model)
            => _chatClients.GetOrAdd(model, m => new ChatClient(m, _authentication, Configure(new OpenAIClientOptions { Endpoint = _chatUri })));

        private static RequestOptions Options(CancellationToken cancellationToken) => new RequestOptions { CancellationToken = cancellationToken };

        private string ReadId(ClientResult result)
        {
            using var doc = JsonDocument.Parse(result.GetRawResponse().Content.ToMemory());
            if (doc.RootElement.TryGetProperty("id", out JsonElement id) && id.GetString() is string value)
            {
                return value;
            }
            throw OpenAIRequestException.FromResponse(200, "{\"error\":{\"message\":\"The service answered without an id.\"}}", null, _scrubber, null);
        }

        private async Task<T> GuardAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (Exception ex) when (Translate(ex, cancellationToken) is Exception translated)
            {
                throw translated;
            }
        }

        /// <summary>Maps SDK and network failures to <see cref="OpenAIRequestException"/>; null leaves the exception as it is.</summary>
        private Exception? Translate(Exception ex, CancellationToken cancellationToken)
        {
            // The retry policy aggregates the failures of all tries; the last one is what the caller needs.
            if (ex is AggregateException aggregate && aggregate.InnerExceptions.Count > 0)
            {
                Exception last = aggregate.InnerExceptions[aggregate.InnerExceptions.Count - 1];
                return Translate(last, cancellationToken) ?? last;
            }
            switch (ex)
            {
                case OpenAIRequestException:
                    return null;
                case OperationCanceledException when cancellationToken.IsCancellationRequested:
                    return null;
                case OperationCanceledException:
                    // The pipeline's per-try timeout surfaces as a cancellation nobody asked for.
                    return OpenAIRequestException.FromTransport(ex, timedOut: true, _scrubber);
                case ClientResultException cre when cre.GetRawResponse() is PipelineResponse response:
                    string? requestId = response.Headers.TryGetValue("x-request-id", out string? rid) ? rid : null;
                    string body;
                    try
                    {
                        body = response.Content.ToString();
                    }
                    catch (InvalidOperationException)
                    {
                        body = string.Empty;
                    }
                    OpenAIRequestException error = OpenAIRequestException.FromResponse(response.Status, body, requestId, _scrubber, null);
                    if (VisionRetryPolicy.TryGetRetryAfter(response, out TimeSpan retryAfter))
                    {
                        error.RetryAfter = retryAfter;
                    }
                    return error;
                case ClientResultException cre:
                    return cre.InnerException is OperationCanceledException && cancellationToken.IsCancellationRequested
                        ? new OperationCanceledException(cancellationToken)
                        : OpenAIRequestException.FromTransport(cre.InnerException ?? cre, timedOut: false, _scrubber);
                case HttpRequestException:
                case IOException:
                    return OpenAIRequestException.FromTransport(ex, timedOut: false, _scrubber);
                default:
                    return null;
            }
        }

        private static string? FinishReasonText(ChatFinishReason reason) => reason switch
        {
            ChatFinishReason.Stop => "stop",
            ChatFinishReason.Length => "length",
            ChatFinishReason.ContentFilter => "content_filter",
            ChatFinishReason.ToolCalls => "tool_calls",
            ChatFinishReason.FunctionCall => "function_call",
            _ => reason.ToString().ToLowerInvariant(),
        };

        private static AuthenticationPolicy CreateAuthentication(VisionConnection connection)
        {
            AzureOpenAISettings? azure = connection.Azure;
            if (azure?.BearerToken is string token)
            {
                return ApiKeyAuthenticationPolicy.CreateBearerAuthorizationPolicy(new ApiKeyCredential(token));
            }
            if (connection.ApiKey is not string key)
            {
                return new AnonymousPolicy();
            }
            return azure is null
                ? ApiKeyAuthenticationPolicy.CreateBearerAuthorizationPolicy(new ApiKeyCredential(key))
                : ApiKeyAuthenticationPolicy.CreateHeaderApiKeyPolicy(new ApiKeyCredential(key), "api-key");
        }

        private static HttpMessageHandler CreateHandler(VisionConnection connection)
        {
            IWebProxy? proxy = connection.Proxy is Uri explicitProxy ? new WebProxy(explicitProxy) : null;
#if NET
            var handler = new SocketsHttpHandler
            {
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate | DecompressionMethods.Brotli,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = connection.Timeout,
                UseProxy = !connection.NoProxy,
            };
#else
            var handler = new HttpClientHandler
            {
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
                UseProxy = !connection.NoProxy,
            };
#endif
            if (proxy is not null && !connection.NoProxy)
            {
                handler.Proxy = proxy;
            }
            return handler;
        }

        /// <summary>Compatible local servers (Ollama, LM Studio, vLLM) often need no key: send no Authorization header.</summary>
        private sealed class AnonymousPolicy : AuthenticationPolicy
        {
            public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
                => ProcessNext(message, pipeline, currentIndex);

            public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
                => ProcessNextAsync(message, pipeline, currentIndex);
        }

        private static bool IsOpenAIHost(Uri uri) => uri.Host.EndsWith("openai.com", StringComparison.OrdinalIgnoreCase);

        // The SDK appends "/chat/completions" and the like to its endpoint.
        private static Uri WithoutTrailingSlash(Uri uri) => uri.AbsoluteUri.EndsWith("/", StringComparison.Ordinal) ? new Uri(uri.AbsoluteUri.TrimEnd('/')) : uri;

        private static void RequireId(string id, string name)
        {
            if (string.IsNullOrWhiteSpace(id) || id.IndexOfAny(new[] { '/', '?', '#' }) >= 0)
            {
                throw new ArgumentException($"'{id}' is not a valid id.", name);
            }
        }

        private void ThrowIfDisposed()
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(VisionClient));
            }
        }
    }
}
