using System;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.OpenAI;
using VisionPS.OpenAI.Tests.Support;
using VisionPS.TestServer;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    public sealed class ConversationsAndThreadsTests : EndpointTests
    {
        /// <summary>shared/openai/README.md: what the real Assistants v2 service answered for a data: URL.</summary>
        private const string RealThreadError = "{\"error\":{\"message\":\"Invalid 'messages[0].content[1].image_url.url'. Expected a valid URL, but got a value with an invalid format.\",\"type\":\"invalid_request_error\",\"param\":\"messages[0].content[1].image_url.url\",\"code\":\"invalid_value\"}}";

        public ConversationsAndThreadsTests(EndpointFixture endpoint)
            : base(endpoint)
        {
        }

        [Fact]
        public async Task AThreadMessageTakesImageFilesByIdAndRealUrls()
        {
            using VisionClient client = Endpoint.Client();
            VisionFile file = await client.UploadFileAsync(TestImages.Jpeg(50, 50), "t.jpg");
            Uri url = Endpoint.Host.AddAsset("thread.png", TestImages.Png(10, 10));
            string thread = await client.CreateThreadAsync();

            string message = await client.AddThreadMessageAsync(thread, "what is here", new[] { VisionImageInput.FromFileId(file.Id, ImageDetail.High), VisionImageInput.FromUrl(url, ImageDetail.Low) });

            Assert.StartsWith("msg_", message);
            JsonObjectAssert(thread, file.Id, url);
        }

        private void JsonObjectAssert(string thread, string fileId, Uri url)
        {
            System.Text.Json.Nodes.JsonArray content = Endpoint.Host.State.Threads[thread].Messages.Single()["content"]!.AsArray();
            Assert.Equal("text", (string?)content[0]!["type"]);
            Assert.Equal(fileId, (string?)content[1]!["image_file"]!["file_id"]);
            Assert.Equal("high", (string?)content[1]!["image_file"]!["detail"]);
            Assert.Equal(url.AbsoluteUri, (string?)content[2]!["image_url"]!["url"]);
        }

        [Fact]
        public async Task InlineImageBytesAreNeverSentToAThread()
        {
            using VisionClient client = Endpoint.Client();
            string thread = await client.CreateThreadAsync();
            int before = Endpoint.Host.Requests.Count;

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(
                () => client.AddThreadMessageAsync(thread, "look", new[] { VisionImageInput.FromBytes(TestImages.Png(), "image/png") }));

            Assert.Equal(before, Endpoint.Host.Requests.Count);
            Assert.Equal("content[1].image_url.url", error.Param);
            Assert.Contains("Upload the image first", error.Hint);
            Assert.False(error.IsRetryable);
        }

        [Fact]
        public async Task TheEndpointRejectsADataUrlInAThreadWithTheRealServicesExactError()
        {
            using VisionClient client = Endpoint.Client();
            string thread = await client.CreateThreadAsync();
            string dataUrl = "data:image/png;base64," + Convert.ToBase64String(TestImages.Png());
            using var http = new HttpClient();
            using var post = new HttpRequestMessage(HttpMethod.Post, new Uri(Endpoint.Host.BaseUri + "/threads/" + thread + "/messages"))
            {
                Content = new StringContent("{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + dataUrl + "\"}}]}", Encoding.UTF8, "application/json"),
            };
            post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Endpoint.ApiKey);
            post.Headers.Add("OpenAI-Beta", "assistants=v2");
            post.Headers.Add("X-Raw-Test", "1");

            HttpResponseMessage response = await http.SendAsync(post);
            string body = await response.Content.ReadAsStringAsync();

            Assert.Equal(400, (int)response.StatusCode);
            Assert.Equal(JsonDocument.Parse(RealThreadError).RootElement.ToString(), JsonDocument.Parse(body).RootElement.ToString());
            // And the transport turns that answer into the hint to upload instead.
            OpenAIRequestException error = OpenAIRequestException.FromResponse(400, body, null, new SecretScrubber(), null);
            Assert.Equal(Hints.DataUrlNotAccepted, error.Hint);
            Assert.Equal("invalid_value", error.Code);
            Assert.Equal("messages[0].content[1].image_url.url", error.Param);
        }

        [Fact]
        public async Task ARunAnswersAboutTheThreadsImages()
        {
            using VisionClient client = Endpoint.Client();
            byte[] png = TestImages.Png(16, 16, 7);
            VisionFile file = await client.UploadFileAsync(png, "run.png");
            string thread = await client.CreateThreadAsync();
            await client.AddThreadMessageAsync(thread, "describe", new[] { VisionImageInput.FromFileId(file.Id) });
            using var http = new HttpClient();
            using var post = new HttpRequestMessage(HttpMethod.Post, new Uri(Endpoint.Host.BaseUri + "/threads/" + thread + "/runs"))
            {
                Content = new StringContent("{\"assistant_id\":\"asst_1\"}", Encoding.UTF8, "application/json"),
            };
            post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Endpoint.ApiKey);
            post.Headers.Add("OpenAI-Beta", "assistants=v2");
            post.Headers.Add("X-Raw-Test", "1");

            HttpResponseMessage response = await http.SendAsync(post);

            Assert.Equal(200, (int)response.StatusCode);
            string answer = (string)Endpoint.Host.State.Threads[thread].Messages.Last()["content"]![0]!["text"]!["value"]!;
            Assert.Contains(TestImages.Sha256(png), answer);
        }

        [Fact]
        public async Task AConversationItemTakesFileIdsUrlsAndInlineImages()
        {
            using VisionClient client = Endpoint.Client();
            string conversation = await client.CreateConversationAsync();
            VisionFile file = await client.UploadFileAsync(TestImages.Gif(), "g.gif");

            await client.AddConversationItemAsync(conversation, null, new[]
            {
                VisionImageInput.FromFileId(file.Id),
                VisionImageInput.FromUrl(Endpoint.Host.AddAsset("c.webp", TestImages.Webp(5, 5))),
                VisionImageInput.FromBytes(TestImages.Png(6, 6), "image/png", ImageDetail.High),
            });

            System.Text.Json.Nodes.JsonArray content = Endpoint.Host.State.Conversations[conversation].Items.Single()["content"]!.AsArray();
            Assert.Equal(3, content.Count);
            Assert.Equal(file.Id, (string?)content[0]!["file_id"]);
            Assert.Equal("high", (string?)content[2]!["detail"]);
        }

        [Fact]
        public async Task AnUnknownConversationIsATyped404()
        {
            using VisionClient client = Endpoint.Client();
            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.AddConversationItemAsync("conv_nope", "hi", null));
            Assert.Equal(404, error.Status);
        }
    }
}
