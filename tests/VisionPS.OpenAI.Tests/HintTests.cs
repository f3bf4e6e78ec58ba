using VisionPS.Core.OpenAI;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    /// <summary>The hints fire on the real service's error answers (as reported in its docs and issue threads), not only on the endpoint's.</summary>
    public sealed class HintTests
    {
        [Theory]
        [InlineData(400, "{\"error\":{\"message\":\"Invalid 'messages[0].content[1].image_url.url'. Expected a valid URL, but got a value with an invalid format.\",\"type\":\"invalid_request_error\",\"param\":\"messages[0].content[1].image_url.url\",\"code\":\"invalid_value\"}}", Hints.DataUrlNotAccepted, false)]
        [InlineData(400, "{\"error\":{\"message\":\"Timeout while downloading https://example.com/cat.png.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_image_url\"}}", Hints.CouldNotDownload, false)]
        [InlineData(400, "{\"error\":{\"message\":\"Error while downloading https://example.com/cat.png.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_image_url\"}}", Hints.CouldNotDownload, false)]
        [InlineData(400, "{\"error\":{\"message\":\"You uploaded an unsupported image. Please make sure your image is below 20 MB in size and is of one the following formats: ['png', 'jpeg', 'gif', 'webp'].\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_image_format\"}}", Hints.Unsupported, false)]
        [InlineData(400, "{\"error\":{\"message\":\"You uploaded an unsupported image. Please make sure your image is valid.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"image_parse_error\"}}", Hints.Unsupported, false)]
        [InlineData(413, "<html><body>413 Request Entity Too Large</body></html>", Hints.TooLarge, false)]
        [InlineData(429, "{\"error\":{\"message\":\"You exceeded your current quota, please check your plan and billing details.\",\"type\":\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}", Hints.Quota, false)]
        [InlineData(429, "{\"error\":{\"message\":\"Rate limit reached for gpt-4o on tokens per min (TPM): Limit 30000, Used 30000, Requested 765.\",\"type\":\"tokens\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}", Hints.RateLimited, true)]
        [InlineData(401, "{\"error\":{\"message\":\"Incorrect API key provided: sk-abc***wxyz.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}", Hints.Unauthorized, false)]
        [InlineData(404, "{\"error\":{\"message\":\"The model `gpt-9` does not exist or you do not have access to it.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"model_not_found\"}}", Hints.ModelNotFound, false)]
        [InlineData(503, "upstream connect error", null, true)]
        [InlineData(404, "<html><body>404 page not found</body></html>", Hints.NoSuchRoute, false)]
        [InlineData(404, "404 page not found", Hints.NoSuchRoute, false)]
        [InlineData(405, "{\"detail\":\"Method Not Allowed\"}", Hints.NoSuchRoute, false)]
        [InlineData(404, "{\"error\":\"model 'llava:13b' not found, try pulling it first\"}", Hints.ModelNotFound, false)]
        [InlineData(404, "{\"error\":{\"message\":\"No such File object: file-abc\",\"type\":\"invalid_request_error\",\"param\":\"id\",\"code\":null}}", null, false)]
        public void TheServiceErrorGetsItsHint(int status, string body, string? hint, bool retryable)
        {
            OpenAIRequestException error = OpenAIRequestException.FromResponse(status, body, "req_1", new SecretScrubber(), null);

            Assert.Equal(hint, error.Hint);
            Assert.Equal(retryable, error.IsRetryable);
            Assert.Equal(status, error.Status);
            Assert.Contains(error.ServerMessage, error.Message);
        }

        [Fact]
        public void AServiceOrConnectionMessageWithoutAFullStopIsEndedBeforeTheHintFollows()
        {
            OpenAIRequestException refused = OpenAIRequestException.FromTransport(new System.Net.Http.HttpRequestException("Connection refused"), timedOut: false, new SecretScrubber());
            Assert.Contains("Connection refused. The connection failed", refused.Message);
            OpenAIRequestException tooLarge = OpenAIRequestException.FromResponse(413, "413 Request Entity Too Large", null, new SecretScrubber(), null);
            Assert.Contains("Too Large. " + tooLarge.Hint, tooLarge.Message);
            // A message that ends a sentence already gets no second stop; one without a hint is left as the service wrote it.
            OpenAIRequestException quota = OpenAIRequestException.FromResponse(429, "{\"error\":{\"message\":\"You exceeded your current quota.\",\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}", null, new SecretScrubber(), null);
            Assert.Contains("current quota. " + quota.Hint, quota.Message);
            OpenAIRequestException plain = OpenAIRequestException.FromResponse(404, "{\"error\":{\"message\":\"No such File object: file-abc\",\"type\":\"invalid_request_error\"}}", null, new SecretScrubber(), null);
            Assert.EndsWith("No such File object: file-abc", plain.Message);
        }

        [Fact]
        public void AnEchoedKeyIsRedactedWholeOrMasked()
        {
            const string key = "sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
            var scrubber = new SecretScrubber(key);
            OpenAIRequestException error = OpenAIRequestException.FromResponse(401, "{\"error\":{\"message\":\"Incorrect API key provided: " + key + ". Also sk-pro" + key.Substring(6, key.Length - 10) + "6789.\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}", null, scrubber, null);

            Assert.DoesNotContain(key, error.ToString());
            Assert.DoesNotContain(key.Substring(6, key.Length - 10), error.ToString());
            Assert.Contains("[redacted]", error.ServerMessage);
        }
    }
}
