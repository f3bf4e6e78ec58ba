using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace VisionPS.TestServer
{
    /// <summary>The local OpenAI-compatible endpoint on 127.0.0.1, started in-process (xunit) or by Program (a process).</summary>
    public sealed class EndpointHost : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private EndpointHost(WebApplication app, EndpointState state, Uri root)
        {
            _app = app;
            State = state;
            Root = root;
        }

        /// <summary>http://127.0.0.1:PORT/ (assets live under it).</summary>
        public Uri Root { get; }

        /// <summary>http://127.0.0.1:PORT/v1: the base URI a client uses.</summary>
        public Uri BaseUri => new Uri(Root, "v1");

        public EndpointState State { get; }

        public IReadOnlyList<CapturedRequest> Requests => State.Requests.ToArray();

        /// <summary>Serves <paramref name="bytes"/> at /assets/{name} and returns its URL.</summary>
        public Uri AddAsset(string name, byte[] bytes)
        {
            State.Assets[name] = bytes;
            return new Uri(Root, "assets/" + Uri.EscapeDataString(name));
        }

        public static async Task<EndpointHost> StartAsync(int port = 0, string? apiKey = null, bool log = false, CancellationToken cancellationToken = default)
        {
            var state = new EndpointState { ApiKey = apiKey };
            WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = Array.Empty<string>() });
            builder.Logging.ClearProviders();
            if (log)
            {
                builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
            }
            builder.WebHost.ConfigureKestrel(o =>
            {
                o.Listen(IPAddress.Loopback, port);
                o.Limits.MaxRequestBodySize = 128L * 1024 * 1024;
            });
            WebApplication app = builder.Build();
            app.Use((context, next) => PipelineAsync(context, next, state));
            Map(app, state);
            await app.StartAsync(cancellationToken);
            string address = app.Services.GetService(typeof(IServer)) is IServer server && server.Features.Get<IServerAddressesFeature>() is IServerAddressesFeature f
                ? f.Addresses.First() : throw new InvalidOperationException("The endpoint did not report its address.");
            var bound = new Uri(address);
            return new EndpointHost(app, state, new Uri($"http://127.0.0.1:{bound.Port}/"));
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        /// <summary>Captures every request, checks the key (when one is required) and turns ApiError into the service's error shape.</summary>
        private static async Task PipelineAsync(HttpContext context, RequestDelegate next, EndpointState state)
        {
            DateTimeOffset arrived = DateTimeOffset.UtcNow;
            byte[] body;
            using (var buffer = new MemoryStream())
            {
                await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
                body = buffer.ToArray();
            }
            context.Request.Body = new MemoryStream(body, writable: false);
            context.Items["body"] = body;
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            var captured = new CapturedRequest(context.Request.Method, context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "", context.Request.ContentType, headers, body) { ReceivedAt = arrived };
            state.Requests.Enqueue(captured);
            try
            {
                if (state.ApiKey is string key && (context.Request.Path.StartsWithSegments("/v1") || context.Request.Path.StartsWithSegments("/openai")))
                {
                    string sent = context.Request.Headers.Authorization.ToString();
                    sent = sent.StartsWith("Bearer ", StringComparison.Ordinal) ? sent.Substring(7) : context.Request.Headers["api-key"].ToString();
                    if (sent.Length == 0)
                    {
                        throw new ApiError(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", code: null);
                    }
                    if (sent != key)
                    {
                        string masked = sent.Length > 8 ? sent.Substring(0, 3) + new string('*', sent.Length - 7) + sent.Substring(sent.Length - 4) : "****";
                        throw new ApiError(401, $"Incorrect API key provided: {masked}. You can find your API key at https://platform.openai.com/account/api-keys.", code: "invalid_api_key");
                    }
                }
                if (Fault.ForRoute(context, state) is not Fault fault || !await fault.ApplyBeforeAnswerAsync(context, state, "route", streaming: false))
                {
                    await next(context);
                }
            }
            catch (ApiError error)
            {
                if (!context.Response.HasStarted)
                {
                    await Http.WriteJsonAsync(context, error.Status, error.ToJson());
                }
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
            }
            catch (StreamDroppedException)
            {
                // Recorded like any answer, then left to Kestrel, which closes the connection without the stream's end.
                captured.Status = context.Response.StatusCode;
                captured.AnsweredAt = DateTimeOffset.UtcNow;
                throw;
            }
            captured.Status = context.Response.StatusCode;
            captured.AnsweredAt = DateTimeOffset.UtcNow;
        }

        private static byte[] Body(HttpContext context) => (byte[])context.Items["body"]!;

        /// <summary>How many of the latest requests GET /test/requests answers.</summary>
        internal const int MaxLoggedRequests = 10_000;

        private static void Map(WebApplication app, EndpointState state)
        {
            app.MapPost("/v1/chat/completions", c => ChatCompletionsEndpoint.HandleAsync(c, state, Body(c)));
            // Azure OpenAI's deployment route: the deployment names the model, api-version is required.
            app.MapPost("/openai/deployments/{deployment}/chat/completions", (HttpContext c, string deployment) =>
            {
                if (string.IsNullOrEmpty(c.Request.Query["api-version"]))
                {
                    throw new ApiError(404, "Resource not found", code: "404");
                }
                return ChatCompletionsEndpoint.HandleAsync(c, state, Body(c));
            });
            app.MapPost("/v1/responses", c => ResponsesEndpoint.HandleAsync(c, state, Body(c)));
            app.MapPost("/v1/files", c => FilesEndpoint.UploadAsync(c, state));
            app.MapGet("/v1/files", c => FilesEndpoint.ListAsync(c, state));
            app.MapGet("/v1/files/{id}", (HttpContext c, string id) => FilesEndpoint.GetAsync(c, state, id));
            app.MapDelete("/v1/files/{id}", (HttpContext c, string id) => FilesEndpoint.DeleteAsync(c, state, id));
            app.MapGet("/v1/files/{id}/content", (HttpContext c, string id) => FilesEndpoint.ContentAsync(c, state, id));
            // Batches run in the background; they stop when the app stops.
            app.MapPost("/v1/batches", c => BatchesEndpoint.CreateAsync(c, state, Body(c), app.Lifetime.ApplicationStopping));
            app.MapGet("/v1/batches", c => BatchesEndpoint.ListAsync(c, state));
            app.MapGet("/v1/batches/{id}", (HttpContext c, string id) => BatchesEndpoint.GetAsync(c, state, id));
            app.MapPost("/v1/batches/{id}/cancel", (HttpContext c, string id) => BatchesEndpoint.CancelAsync(c, state, id));
            app.MapPost("/v1/conversations", c => ConversationsEndpoint.CreateAsync(c, state, Body(c)));
            app.MapGet("/v1/conversations/{id}", (HttpContext c, string id) => ConversationsEndpoint.GetAsync(c, state, id));
            app.MapDelete("/v1/conversations/{id}", (HttpContext c, string id) => ConversationsEndpoint.DeleteAsync(c, state, id));
            app.MapPost("/v1/conversations/{id}/items", (HttpContext c, string id) => ConversationsEndpoint.AddItemsAsync(c, state, id, Body(c)));
            app.MapGet("/v1/conversations/{id}/items", (HttpContext c, string id) => ConversationsEndpoint.ListItemsAsync(c, state, id));
            app.MapPost("/v1/threads", c => ThreadsEndpoint.CreateAsync(c, state, Body(c)));
            app.MapGet("/v1/threads/{id}", (HttpContext c, string id) => ThreadsEndpoint.GetAsync(c, state, id));
            app.MapPost("/v1/threads/{id}/messages", (HttpContext c, string id) => ThreadsEndpoint.AddMessageAsync(c, state, id, Body(c)));
            app.MapGet("/v1/threads/{id}/messages", (HttpContext c, string id) => ThreadsEndpoint.ListMessagesAsync(c, state, id));
            app.MapPost("/v1/threads/{id}/runs", (HttpContext c, string id) => ThreadsEndpoint.CreateRunAsync(c, state, id, Body(c)));
            app.MapGet("/v1/threads/{id}/runs/{runId}", (HttpContext c, string id, string runId) => ThreadsEndpoint.GetRunAsync(c, state, id, runId));
            app.MapGet("/assets/{name}", (HttpContext c, string name) => state.Assets.TryGetValue(name, out byte[]? bytes)
                ? c.Response.Body.WriteAsync(bytes, c.RequestAborted).AsTask()
                : Http.WriteJsonAsync(c, 404, new ApiError(404, "No such asset: " + name).ToJson()));
            // For tests that run the endpoint as a process (Pester): the last 10,000 requests received (a long run's log
            // stays a bounded answer), without bodies or headers (method, path, status; 0 while unanswered), to count
            // what a client sent, e.g. after a stop.
            app.MapGet("/test/requests", c => Http.WriteJsonAsync(c, 200, new JsonArray(state.Requests
                .Where(r => r.Path != "/test/requests")
                .TakeLast(MaxLoggedRequests)
                .Select(r => (JsonNode)new JsonObject
                {
                    ["method"] = r.Method,
                    ["path"] = r.Path,
                    ["status"] = r.Status,
                    ["received_at"] = r.ReceivedAt.ToString("O"),
                })
                .ToArray())));
            app.MapFallback(c => throw new ApiError(404, $"Invalid URL ({c.Request.Method} {c.Request.Path})", code: null));
        }
    }
}
