using System;
using System.Collections.Generic;
using System.Net;
using System.Text.Json.Nodes;

namespace VisionPS.TestServer
{
    /// <summary>One image of a request, checked, with what the answer reports about it.</summary>
    public sealed record ReceivedImage(string Source, ImageFacts Facts, string Detail, int Tokens, string? Url, string? FileId)
    {
        public JsonObject ToJson(int index)
        {
            var o = new JsonObject
            {
                ["index"] = index,
                ["source"] = Source,
                ["format"] = Facts.Format,
                ["width"] = Facts.Width,
                ["height"] = Facts.Height,
                ["frames"] = Facts.Frames,
                ["bytes"] = Facts.Bytes,
                ["sha256"] = Facts.Sha256,
                ["detail"] = Detail,
                ["tokens"] = Tokens,
            };
            if (Url is not null)
            {
                o["url"] = Url;
            }
            if (FileId is not null)
            {
                o["file_id"] = FileId;
            }
            return o;
        }
    }

    /// <summary>Resolves and checks image references: data: URLs, http(s) URLs (test assets only: the endpoint is offline) and file ids.</summary>
    public sealed class ImageResolver
    {
        private static readonly string[] s_mimes = { "image/png", "image/jpeg", "image/jpg", "image/webp", "image/gif" };
        private readonly EndpointState _state;
        private readonly string _model;
        private readonly bool _refuseUrls;
        private long _totalBytes;

        public ImageResolver(EndpointState state, string model, bool refuseUrls = false)
        {
            _state = state;
            _model = model;
            _refuseUrls = refuseUrls || state.RefuseImageUrls;
            Files = new FileResolver(state, Count);
        }

        public List<ReceivedImage> Images { get; } = new List<ReceivedImage>();

        /// <summary>The request's PDF inputs (file / input_file parts), checked alongside its images.</summary>
        public FileResolver Files { get; }

        public static bool IsDetail(string detail, bool allowOriginal) => detail is "auto" or "low" or "high" || (allowOriginal && detail == "original");

        public static bool SupportsOriginal(string model) => model.StartsWith("gpt-5.4", StringComparison.Ordinal) || model.StartsWith("gpt-5.5", StringComparison.Ordinal);

        public ReceivedImage FromUrl(string url, string detail, string param)
        {
            if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
            {
                int comma = url.IndexOf(',');
                string header = comma < 0 ? url : url.Substring(5, comma - 5);
                string[] bits = header.Split(';');
                string mime = bits[0].Trim().ToLowerInvariant();
                if (comma < 0 || Array.IndexOf(bits, "base64") < 1)
                {
                    throw ApiError.Invalid(param, $"Invalid '{param}'. Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got a value without the base64 marker.");
                }
                if (Array.IndexOf(s_mimes, mime) < 0)
                {
                    throw new ApiError(400, $"Invalid MIME type '{mime}' in '{param}'. Only image types are supported: image/png, image/jpeg, image/webp and image/gif.", param: param, code: "invalid_image_format");
                }
                string payload = url.Substring(comma + 1);
                byte[] bytes = new byte[(payload.Length * 3 / 4) + 3];
                if (!Convert.TryFromBase64String(payload, bytes, out int written))
                {
                    throw ApiError.Invalid(param, $"Invalid '{param}'. Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got an invalid base64 value.", "invalid_base64");
                }
                Array.Resize(ref bytes, written);
                return Add("data_url", bytes, mime == "image/jpg" ? "image/jpeg" : mime, detail, param, null, null, carried: url.Length);
            }
            if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw ApiError.Invalid(param, $"Invalid '{param}'. Expected a valid URL, but got a value with an invalid format.");
            }
            if (_refuseUrls)
            {
                // What a server that cannot fetch URLs says (Ollama decodes image_url as base64 and fails).
                throw new ApiError(400, $"invalid image input at '{param}': only base64 data: URLs are supported, not http(s) URLs.", param: param, code: "invalid_image_url");
            }
            // Offline: only this endpoint's own /assets/ can be downloaded, everything else fails like a blocked host.
            if ((uri.IsLoopback || uri.Host == IPAddress.Loopback.ToString()) && uri.AbsolutePath.StartsWith("/assets/", StringComparison.Ordinal)
                && _state.Assets.TryGetValue(Uri.UnescapeDataString(uri.AbsolutePath.Substring("/assets/".Length)), out byte[]? asset))
            {
                return Add("url", asset, null, detail, param, url, null);
            }
            throw new ApiError(400, $"Error while downloading {url}.", param: param, code: "invalid_image_url");
        }

        public ReceivedImage FromFile(string fileId, string detail, string param)
        {
            if (!_state.Files.TryGetValue(fileId, out StoredFile? file))
            {
                throw new ApiError(400, $"Invalid '{param}': no such File object: {fileId}.", param: param, code: "invalid_value");
            }
            if (file.Purpose is not ("vision" or "user_data" or "assistants"))
            {
                throw new ApiError(400, $"Invalid '{param}': file {fileId} has purpose '{file.Purpose}'; images must be uploaded with purpose 'vision'.", param: param, code: "invalid_value");
            }
            return Add("file", file.Bytes, null, detail, param, null, fileId);
        }

        /// <summary>
        /// Counts an input into the request's total as the request carries it (an inline image or PDF: its data URL; an
        /// image by file id or downloaded: its bytes), refusing the request past 50 MB.
        /// </summary>
        private void Count(long carried, string param)
        {
            _totalBytes += carried;
            if (_totalBytes > ImageInspector.MaxRequestImageBytes)
            {
                throw new ApiError(400, $"Total image size exceeds the maximum of 50 MB per request, counting inline images and files as their base64 data URLs (at {param}).", param: param, code: "image_too_large");
            }
        }

        private ReceivedImage Add(string source, byte[] bytes, string? claimedMime, string detail, string param, string? url, string? fileId, long? carried = null)
        {
            ImageFacts facts = ImageInspector.Inspect(bytes, claimedMime, param, carried);
            Count(carried ?? bytes.LongLength, param);
            var image = new ReceivedImage(source, facts, detail, ImageTokens.Count(_model, facts.Width, facts.Height, detail), url, fileId);
            Images.Add(image);
            return image;
        }
    }
}
