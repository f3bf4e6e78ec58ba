using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net.Http;
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
        private readonly WarnBeforeSendingPolicy? _warnBeforeSending; // one per client: every SDK client of it shares the "once"
        private readonly Uri _resourceUri;
        private readonly Uri _chatUri;
        private readonly SecretScrubber _scrubber;
        private readonly ConcurrentDictionary<string, ChatClient> _chatClients = new ConcurrentDictionary<string, ChatClient>(StringComparer.Ordinal);
        private readonly ResponsesClient _responses;
        private readonly OpenAIFileClient _files;
        private readonly ConversationClient _conversations;
        private readonly AssistantClient _assistants;
        private readonly BatchClient _batches;

        /// <summary>The SDK's Batch API client (for the batch requests in Batching).</summary>
        internal BatchClient Batches => _batches;

        /// <summary>Removes credentials from text the service sent back.</summary>
        internal SecretScrubber Scrubber => _scrubber;
        private static readonly SendGatePolicy s_gatePolicy = new SendGatePolicy();
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
            if (handler is null && azure is null && !_connection.HasApiKey && VisionConnection.IsOpenAIHost(_connection.BaseUri))
            {
                throw new InvalidOperationException($"No OpenAI API key: set {VisionConnection.ApiKeyVariable} or pass one; a key is optional only for a compatible server given by its base URI.");
            }
            if (azure is not null && !_connection.HasApiKey && !azure.HasBearerToken)
            {
                throw new InvalidOperationException("Azure OpenAI needs an API key or a bearer token.");
            }
            if (_connection.ApiKeyIsMalformed || (azure?.BearerToken is string token && VisionConnection.HasForbiddenCharacter(token)))
            {
                // A line break in a header value ends the headers early or adds headers of its own.
                throw new ArgumentException("The API key (or bearer token) holds a line break or another character no key has; it is not sent.", nameof(connection));
            }
            _scrubber = new SecretScrubber(_connection.ApiKey, azure?.BearerToken);
            _resourceUri = azure?.ResourceUri ?? WithoutTrailingSlash(_connection.BaseUri);
            _chatUri = azure?.DeploymentUri ?? _resourceUri;

            _http = new HttpClient(new AnswerLimitHandler(handler ?? CreateHandler(_connection)), disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
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
            if (_connection.Warning is Func<string, Task> warn && _connection.ClearTextWarning() is string clearText)
            {
                _warnBeforeSending = new WarnBeforeSendingPolicy(warn, clearText);
            }

            // Each SDK client builds its pipeline from its options; all share one transport, retry policy and credential.
            _responses = new ResponsesClient(_authentication, Configure(new ResponsesClientOptions { Endpoint = _resourceUri }));
            _files = new OpenAIFileClient(_authentication, Configure(new OpenAIClientOptions { Endpoint = _resourceUri }));
            _conversations = new ConversationClient(_authentication, Configure(new ConversationClientOptions { Endpoint = _resourceUri }));
            _assistants = new AssistantClient(_authentication, Configure(new AssistantClientOptions { Endpoint = _resourceUri }));
            _batches = new BatchClient(_authentication, Configure(new BatchClientOptions { Endpoint = _resourceUri }));
        }

        /// <summary>
        /// The back-off every request of this client shares: a rate-limit answer (429) to any request pauses them all
        /// for the server's retry-after and halves how many may be in flight; successes raise it again.
        /// </summary>
        internal RateLimitGate RateLimits => _rateLimitPolicy.Gate;

        /// <summary>Where requests go (for display; holds no credential).</summary>
        public Uri Endpoint => _resourceUri;

        /// <summary>
        /// Nothing more of this client goes out from now on: a run stopping at an error waits for the requests already
        /// on the wire, but sends none of them again, and a request still waiting to be sent (behind a rate-limit pause,
        /// for a slot) is not sent when its wait ends: it fails with <see cref="RequestDeclinedException"/>. Cleanup
        /// deletes still go, with their one quick retry.
        /// </summary>
        public void StopSending()
        {
            _retryPolicy.Stop();
            _rateLimitPolicy.Stop();
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

        /// <summary>
        /// The JSON body this client would send for <paramref name="request"/> to <paramref name="api"/>, serialized by
        /// the same pipeline as a live send (the batch input file's lines); nothing is sent.
        /// </summary>
        internal byte[] Serialize(VisionRequest request, VisionApi api)
        {
            byte[]? body = null;
            CallContext.CaptureAsync(() => api == VisionApi.Chat ? ChatAsync(request) : RespondAsync(request), captured => body = captured.ToArray())
                .GetAwaiter().GetResult(); // the pipeline stops before the transport, so nothing waits on the network
            return body ?? throw new InvalidOperationException("The request could not be serialized.");
        }

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
        public override string ToString() => $"VisionClient {UriText.Absolute(_resourceUri)}";

        private ChatClient GetChatClient(string model)
            => _chatClients.GetOrAdd(model, m => new ChatClient(m, _authentication, Configure(new OpenAIClientOptions { Endpoint = _chatUri })));

        internal static RequestOptions Options(CancellationToken cancellationToken) => new RequestOptions { CancellationToken = cancellationToken };

        private string ReadId(ClientResult result)
            => ReadBody(result.GetRawResponse(), content =>
            {
                using var doc = JsonDocument.Parse(content.ToMemory());
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.String)
                {
                    return id.GetString()!;
                }
                throw new FormatException("the service answered without an id");
            });

        // The SDK appends "/chat/completions" and the like to its endpoint.
        private static Uri WithoutTrailingSlash(Uri uri) => uri.AbsoluteUri.EndsWith("/", StringComparison.Ordinal) ? new Uri(uri.AbsoluteUri.TrimEnd('/')) : uri;

        internal static void RequireId(string id, string name)
        {
            if (string.IsNullOrWhiteSpace(id) || id.IndexOfAny(new[] { '/', '?', '#' }) >= 0)
            {
                throw new ArgumentException($"'{id}' is not a valid id.", name);
            }
        }

        internal void ThrowIfDisposed()
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(VisionClient));
            }
        }
    }
}
