namespace VisionPS.Core.OpenAI
{
    /// <summary>The user-facing advice attached to errors, kept together.</summary>
    internal static class Hints
    {
        internal const string Quota = "The account has no quota left (billing or plan limit); retrying will not help until it is topped up.";
        internal const string DataUrlNotAccepted = "This endpoint accepts only real http(s) URLs here, not an inline data: URL: upload the image (purpose vision) and reference it by file id.";
        internal const string CouldNotDownload = "The service could not download the image URL (private, slow or blocked host): send the file itself instead of its URL.";
        internal const string TooLarge = "The image is too large for the service: resize or recompress it (at most 20 MB an image and 50 MB per request, an inline image or PDF counting as its base64 data URL, 4/3 of its bytes).";
        internal const string Unsupported = "The service accepts PNG, JPEG, WebP and non-animated GIF only, and the bytes must really be that format: convert the image (e.g. to PNG or JPEG) and send it again.";
        internal const string Unauthorized = "Check the API key (OPENAI_API_KEY or -ApiKey) and, for Azure, the endpoint and deployment.";
        internal const string ModelNotFound = "Check the model name (or the Azure deployment) and that the key has access to it.";
        internal const string NoSuchRoute = "The address answered, but not as an OpenAI-compatible API (no such route): check the base URI, which usually ends in /v1 (e.g. http://localhost:11434/v1 for Ollama).";
        internal const string RateLimited = "Rate limited: wait a little, lower the request rate, or raise the retry count.";
        internal const string FileIdInChat = "Chat Completions takes images as URLs or inline data only; use the Responses API for an uploaded file id.";
        internal const string OriginalNeedsResponses = "Detail 'original' (gpt-5.4 and later) is available through the Responses API; use it there, or detail high with Chat Completions.";
        internal const string UploadFirst = "Upload the image first (purpose vision) and pass its file id; a data: URL is never accepted by threads.";
    }
}
