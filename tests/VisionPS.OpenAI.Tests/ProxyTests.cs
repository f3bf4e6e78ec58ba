using System;
using System.Linq;
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
    }
}
