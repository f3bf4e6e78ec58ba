using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;

namespace VisionPS.Core.OpenAI
{
    /// <summary>
    /// Describes a request without sending it: the real client runs over a handler that captures the request and
    /// answers locally, so the description is exactly what the SDK would put on the wire (minus headers, so no key).
    /// </summary>
    internal static class RequestDescriber
    {
        internal enum Kind
        {
            Chat,
            ChatStream,
            Responses,
        }

        private const int KeepBase64Chars = 32;

        internal static string Describe(Uri endpoint, VisionConnection connection, VisionRequest request, Kind kind)
        {
            string path;
            byte[] body;
            using (var capture = new RequestCapture(kind))
            {
                (path, body) = capture.Capture(request);
            }
            var description = new JsonObject
            {
                ["method"] = "POST",
                ["url"] = UriText.Absolute(endpoint).TrimEnd('/') + path.Substring("/v1".Length), // never a user name or password written into it
                ["body"] = ShortenDataUrls(JsonNode.Parse(body)),
            };
            return description.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        }

        /// <summary>
        /// Serializes requests exactly as the SDK puts them on the wire, without sending them: a real client over a
        /// handler that captures each request and answers locally. One instance serves many requests, one at a time.
        /// </summary>
        internal sealed class RequestCapture : IDisposable
        {
            private readonly Kind _kind;
            private readonly CapturingHandler _handler;
            private readonly VisionClient _client;

            internal RequestCapture(Kind kind)
            {
                _kind = kind;
                _handler = new CapturingHandler(kind);
                var offline = new VisionConnection
                {
                    BaseUri = new Uri("http://describe.invalid/v1"),
                    MaxRetries = 0,
                    Timeout = TimeSpan.FromSeconds(30),
                };
                _client = new VisionClient(offline, _handler);
            }

            /// <summary>The path (e.g. /v1/chat/completions) and the UTF-8 JSON body the SDK would send.</summary>
            internal (string Path, byte[] Body) Capture(VisionRequest request)
            {
                _handler.Reset();
                // The handler completes synchronously; nothing waits on the network.
                Task task = _kind switch
                {
                    Kind.Chat => _client.ChatAsync(request),
                    Kind.ChatStream => _client.ChatStreamingAsync(request, _ => { }),
                    _ => _client.RespondAsync(request),
                };
                try
                {
                    task.GetAwaiter().GetResult();
                }
                catch (OpenAIRequestException) when (_handler.Body is not null)
                {
                    // The canned answer need not satisfy the SDK; the captured request is what matters.
                }
                if (_handler.Body is null || _handler.Path is null)
                {
                    throw new InvalidOperationException("The request could not be described.");
                }
                return (_handler.Path, _handler.Body);
            }

            public void Dispose() => _client.Dispose();
        }

        /// <summary>Replaces each data: URL's base64 by its start, length and SHA-256, which identify it without the bulk.</summary>
        internal static JsonNode? ShortenDataUrls(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (string key in obj.Select(p => p.Key).ToList())
                    {
                        JsonNode? child = obj[key];
                        JsonNode? replaced = ShortenDataUrls(child);
                        if (!ReferenceEquals(child, replaced))
                        {
                            obj[key] = replaced;
                        }
                    }
                    return obj;
                case JsonArray array:
                    for (int i = 0; i < array.Count; i++)
                    {
                        JsonNode? child = array[i];
                        JsonNode? replaced = ShortenDataUrls(child);
                        if (!ReferenceEquals(child, replaced))
                        {
                            array[i] = replaced;
                        }
                    }
                    return array;
                case JsonValue value when value.TryGetValue(out string? text) && text.StartsWith("data:", StringComparison.Ordinal):
                    int comma = text.IndexOf(',');
                    if (comma < 0 || text.Length - comma - 1 <= KeepBase64Chars)
                    {
                        return JsonValue.Create(text);
                    }
                    string payload = text.Substring(comma + 1);
                    string hash;
                    try
                    {
                        using var sha = SHA256.Create();
                        hash = Imaging.Hex.Lower(sha.ComputeHash(Convert.FromBase64String(payload)));
                    }
                    catch (FormatException)
                    {
                        hash = "not base64";
                    }
                    return JsonValue.Create($"{text.Substring(0, comma + 1)}{payload.Substring(0, KeepBase64Chars)}... ({payload.Length} base64 chars, sha256 {hash})");
                default:
                    return node;
            }
        }

        private sealed class CapturingHandler : HttpMessageHandler
        {
            private readonly Kind _kind;

            internal CapturingHandler(Kind kind) => _kind = kind;

            internal byte[]? Body { get; private set; }

            internal string? Path { get; private set; }

            internal void Reset()
            {
                Body = null;
                Path = null;
            }

            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
                => Task.FromResult(Capture(request));

#if NET
            protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) => Capture(request);
#endif

            private HttpResponseMessage Capture(HttpRequestMessage request)
            {
                Path = request.RequestUri?.AbsolutePath;
                Body = request.Content?.ReadAsByteArrayAsync().GetAwaiter().GetResult();
                string answer = _kind switch
                {
                    Kind.ChatStream => "data: [DONE]\n\n",
                    Kind.Chat => "{\"id\":\"described\",\"object\":\"chat.completion\",\"created\":0,\"model\":\"described\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":\"stop\"}]}",
                    _ => "{\"id\":\"described\",\"object\":\"response\",\"created_at\":0,\"status\":\"completed\",\"model\":\"described\",\"output\":[]}",
                };
                return new HttpResponseMessage(HttpStatusCode.OK)
                {
                    Content = new StringContent(answer, Encoding.UTF8, _kind == Kind.ChatStream ? "text/event-stream" : "application/json"),
                };
            }
        }
    }
}
