using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Tracing;
using System.Linq;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.OpenAI;
using VisionPS.OpenAI.Tests.Support;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    /// <summary>
    /// The API key reaches the Authorization header and nothing else: not a body, a description, a ToString, an
    /// exception (message, hint, inner exceptions, stack) nor the SDK's own event-source log, even when the server
    /// echoes it back.
    /// </summary>
    public sealed class KeyNeverLeaksTests : EndpointTests
    {
        public KeyNeverLeaksTests(EndpointFixture endpoint)
            : base(endpoint)
        {
        }

        private sealed class ClientModelLog : EventListener
        {
            public ConcurrentQueue<string> Lines { get; } = new ConcurrentQueue<string>();

            protected override void OnEventSourceCreated(EventSource source)
            {
                if (source.Name.StartsWith("System.ClientModel", StringComparison.Ordinal) || source.Name.StartsWith("OpenAI", StringComparison.Ordinal))
                {
                    EnableEvents(source, EventLevel.Verbose);
                }
            }

            protected override void OnEventWritten(EventWrittenEventArgs e)
                => Lines.Enqueue(e.EventName + " " + e.Message + " " + string.Join(" ", e.Payload?.Select(p => p?.ToString()) ?? Array.Empty<string>()));
        }

        [Fact]
        public async Task TheKeyAppearsOnlyInTheAuthorizationHeader()
        {
            using var log = new ClientModelLog();
            var texts = new List<string>();
            VisionConnection connection = Endpoint.Connection(maxRetries: 1);
            var verbose = new ConcurrentQueue<string>();
            connection.Verbose = verbose.Enqueue;
            texts.Add(connection.ToString());
            using var client = new VisionClient(connection);
            texts.Add(client.ToString());
            var request = new VisionRequest { Model = "gpt-4o", Prompt = "secret?" };
            request.Images.Add(VisionImageInput.FromBytes(TestImages.Png(), "image/png"));
            texts.Add(client.DescribeChatRequest(request));
            texts.Add(client.DescribeChatRequest(request, stream: true));
            texts.Add(client.DescribeResponseRequest(request));
            texts.Add((await client.ChatAsync(request)).Text);
            texts.Add((await client.ChatStreamingAsync(request, _ => { })).Text);
            texts.Add((await client.RespondAsync(request)).Text);
            VisionFile file = await client.UploadFileAsync(TestImages.Png(), "k.png");
            texts.Add(file.ToString());

            async Task Fails(Func<Task> call)
            {
                Exception ex = await Assert.ThrowsAnyAsync<Exception>(call);
                texts.Add(ex.ToString());
                if (ex is OpenAIRequestException api)
                {
                    texts.Add(api.ServerMessage + " " + api.Hint + " " + api.Param);
                }
            }

            // The server quotes the key it got (as OpenAI quotes a masked one): the transport must not pass it on.
            await Fails(() => client.ChatAsync(new VisionRequest { Model = "fault:echo-key", Prompt = "echo" }));
            await Fails(() => client.ChatStreamingAsync(new VisionRequest { Model = "fault:echo-key", Prompt = "echo" }, _ => { }));
            await Fails(() => client.ChatAsync(new VisionRequest { Model = "fault:quota:" + Guid.NewGuid().ToString("N"), Prompt = "quota" }));
            await Fails(() => client.ChatStreamingAsync(new VisionRequest { Model = "fault:drop", Prompt = "drop" }, _ => { }));
            await Fails(() => client.GetFileAsync("file-missing"));
            VisionConnection wrong = Endpoint.Connection();
            wrong.ApiKey = Endpoint.ApiKey + "-wrong";
            using (var wrongClient = new VisionClient(wrong))
            {
                await Fails(() => wrongClient.ChatAsync(new VisionRequest { Model = "gpt-4o", Prompt = "wrong key" }));
            }
            var dead = new VisionConnection { BaseUri = new Uri("http://127.0.0.1:9/v1"), ApiKey = Endpoint.ApiKey, MaxRetries = 0, NoProxy = true };
            using (var deadClient = new VisionClient(dead))
            {
                texts.Add(dead.ToString());
                await Fails(() => deadClient.ChatAsync(new VisionRequest { Model = "gpt-4o", Prompt = "dead" }));
            }

            texts.AddRange(log.Lines);
            texts.AddRange(verbose);
            Assert.Contains(verbose, line => line.StartsWith("POST " + Endpoint.Host.BaseUri.AbsoluteUri.TrimEnd('/') + "/chat/completions: HTTP 200 in ", StringComparison.Ordinal));
            Assert.Contains(verbose, line => line.Contains("HTTP 429", StringComparison.Ordinal));
            Assert.True(log.Lines.Count > 0, "the SDK's log was captured");
            string middle = Endpoint.ApiKey.Substring(6, Endpoint.ApiKey.Length - 10);
            foreach (string text in texts)
            {
                Assert.DoesNotContain(Endpoint.ApiKey, text);
                Assert.DoesNotContain(middle, text);
            }
            Assert.Contains(texts, t => t.Contains("[redacted]", StringComparison.Ordinal));
            foreach (var sent in Endpoint.Host.Requests.Where(r => r.Path.StartsWith("/v1/", StringComparison.Ordinal) && !r.Headers.ContainsKey("X-Raw-Test")))
            {
                Assert.DoesNotContain(Endpoint.ApiKey, sent.BodyText);
                Assert.DoesNotContain(Endpoint.ApiKey, sent.Path + sent.Query);
                Assert.False(sent.Headers.Where(h => h.Key != "Authorization").Any(h => h.Value.Contains(Endpoint.ApiKey, StringComparison.Ordinal)), "the key is in a header other than Authorization");
            }
            Assert.Contains(Endpoint.Host.Requests, r => r.Headers.TryGetValue("Authorization", out string? auth) && auth == "Bearer " + Endpoint.ApiKey);
        }

        [Fact]
        public async Task AKeyEndingInALineBreakIsSentWithoutItAndOneWithALineBreakInsideIsNeverSent()
        {
            VisionConnection read = Endpoint.Connection(maxRetries: 0);
            read.ApiKey = Endpoint.ApiKey + "\r\n"; // a key file read whole
            using (var client = new VisionClient(read))
            {
                Assert.Equal("stop", (await client.ChatAsync(new VisionRequest { Model = "gpt-4o", Prompt = "hi" })).FinishReason);
            }
            Assert.Contains(Endpoint.Host.Requests, r => r.Headers.TryGetValue("Authorization", out string? auth) && auth == "Bearer " + Endpoint.ApiKey);

            int before = Endpoint.Host.Requests.Count;
            VisionConnection pasted = Endpoint.Connection(maxRetries: 0);
            pasted.ApiKey = Endpoint.ApiKey + "\r\nX-Injected: yes";
            Assert.True(pasted.ApiKeyIsMalformed);
            var error = Assert.Throws<ArgumentException>(() => new VisionClient(pasted));
            Assert.DoesNotContain(Endpoint.ApiKey, error.ToString());
            Assert.Equal(before, Endpoint.Host.Requests.Count);
        }

        [Fact]
        public void WithoutAKeyTheOpenAIServiceIsAConfigurationError()
        {
            string? saved = Environment.GetEnvironmentVariable(VisionConnection.ApiKeyVariable);
            var error = Assert.Throws<InvalidOperationException>(() => new VisionClient(new VisionConnection()));
            Assert.Contains(VisionConnection.ApiKeyVariable, error.Message);
            Assert.Equal(saved, Environment.GetEnvironmentVariable(VisionConnection.ApiKeyVariable));
        }
    }
}
