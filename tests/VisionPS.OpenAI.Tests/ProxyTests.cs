using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VisionPS.Core.OpenAI;
using VisionPS.OpenAI.Tests.Support;
using VisionPS.TestServer;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    public sealed class ProxyTests : EndpointTests
    {
        public ProxyTests(EndpointFixture endpoint)
            : base(endpoint)
        {
        }

        [Fact]
        public async Task AnExplicitProxyCarriesTheRequest()
        {
            // The endpoint plays the proxy: an http:// request through a proxy arrives in absolute form for the real host.
            VisionConnection connection = Endpoint.Connection(maxRetries: 0);
            connection.BaseUri = new Uri("http://api.visionps-proxy-test.invalid/v1");
            connection.NoProxy = false;
            connection.Proxy = Endpoint.Host.Root;
            using var client = new VisionClient(connection);

            ChatAnswer result = await client.ChatAsync(new VisionRequest { Model = "gpt-4o", Prompt = "via proxy" });

            CapturedRequest sent = Endpoint.Host.Requests.Last(r => r.BodyText.Contains("via proxy"));
            Assert.Equal("api.visionps-proxy-test.invalid", sent.Headers["Host"]);
            Assert.Equal("stop", result.FinishReason);
        }

        /// <summary>
        /// A proxy that refuses with 407: .NET's error quotes the proxy's whole address in its readable form (a space or a
        /// quote in the password as typed), which no text pattern can tell apart from the message around it. Neither the
        /// user name nor any part of the password may show in the error, its inner exceptions or its ToString.
        /// </summary>
        [Theory]
        [InlineData("plain-Zq7SECRET")]
        [InlineData("pa ss-Zq7SECRET")]
        [InlineData("pa%20ss-Zq7SECRET")]
        [InlineData("pa\"Zq7SECRET")]
        [InlineData("pa<Zq7SECRET>")]
        [InlineData("pa'Zq7SECRET")]
        [InlineData("pa%40Zq7SECRET")]
        public async Task AProxyThatAsksForAuthenticationIsNamedWithoutItsUserNameOrPassword(string password)
        {
            using var proxy = new TcpListener(IPAddress.Loopback, 0);
            proxy.Start();
            int port = ((IPEndPoint)proxy.LocalEndpoint).Port;
            using var stop = new CancellationTokenSource();
            Task refusing = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    using TcpClient client = await proxy.AcceptTcpClientAsync(stop.Token);
                    NetworkStream stream = client.GetStream();
                    var head = new StringBuilder();
                    var buffer = new byte[4096];
                    while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        int n = await stream.ReadAsync(buffer, stop.Token);
                        if (n == 0)
                        {
                            break;
                        }
                        head.Append(Encoding.ASCII.GetString(buffer, 0, n));
                    }
                    byte[] answer = Encoding.ASCII.GetBytes("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    await stream.WriteAsync(answer, stop.Token);
                }
            });
            VisionConnection connection = Endpoint.Connection(maxRetries: 0);
            connection.BaseUri = new Uri("https://api.visionps-proxy-test.invalid/v1");
            connection.NoProxy = false;
            connection.Proxy = new Uri($"http://alice-proxytest:{password}@127.0.0.1:{port}");
            Assert.Contains("Zq7SECRET", connection.Proxy.ToString(), StringComparison.Ordinal); // what this test is about
            using var visionClient = new VisionClient(connection);

            var ex = await Assert.ThrowsAsync<OpenAIRequestException>(() => visionClient.ChatAsync(new VisionRequest { Model = "gpt-4o", Prompt = "via a refusing proxy" }));
            stop.Cancel();
            proxy.Stop();

            Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
            for (Exception? e = ex; e is not null; e = e.InnerException)
            {
                foreach (string said in new[] { e.Message, e.ToString() })
                {
                    Assert.DoesNotContain("Zq7SECRET", said, StringComparison.Ordinal);
                    Assert.DoesNotContain("alice-proxytest", said, StringComparison.Ordinal);
                }
            }
        }
    }
}
