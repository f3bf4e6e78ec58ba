using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using UglyToad.PdfPig;

namespace VisionPS.TestServer
{
    /// <summary>One PDF of a request (a Chat <c>file</c> part or a Responses <c>input_file</c>), checked, as the answer reports it.</summary>
    public sealed record ReceivedFile(string Source, string? FileName, string? FileId, long Bytes, int Pages, string Sha256)
    {
        public JsonObject ToJson(int index)
        {
            var o = new JsonObject
            {
                ["index"] = index,
                ["source"] = Source,
                ["format"] = "pdf",
                ["pages"] = Pages,
                ["bytes"] = Bytes,
                ["sha256"] = Sha256,
            };
            if (FileName is not null)
            {
                o["filename"] = FileName;
            }
            if (FileId is not null)
            {
                o["file_id"] = FileId;
            }
            return o;
        }
    }

    /// <summary>
    /// Resolves and checks file inputs: <c>file_data</c> must be a base64 <c>data:application/pdf</c> URL whose bytes are a
    /// PDF (magic and PdfPig opening it without a password), with a <c>filename</c>; a <c>file_id</c> must name an uploaded PDF
    /// (purpose user_data or assistants). Per request: at most 100 pages and 32 MB of file content (OpenAI's file-inputs guide).
    /// </summary>
    public sealed class FileResolver
    {
        public const long MaxRequestFileBytes = 32L * 1024 * 1024;
        public const int MaxRequestPages = 100;
        private readonly EndpointState _state;
        private readonly Action<long, string>? _countInline;

        /// <param name="state">The endpoint's files.</param>
        /// <param name="countInline">Counts an inline PDF's <c>file_data</c> (its length) into the request's total with its images.</param>
        public FileResolver(EndpointState state, Action<long, string>? countInline = null)
        {
            _state = state;
            _countInline = countInline;
        }

        public List<ReceivedFile> Files { get; } = new List<ReceivedFile>();

        /// <summary>A Chat Completions <c>file</c> part: <c>{"type":"file","file":{file_data, filename} or {file_id}}</c>.</summary>
        public ReceivedFile FromChatPart(JsonObject part, string pat)
        {
            if (part["file"] is not JsonObject file)
            {
                throw part["file"] is null ? ApiError.MissingParam(pat + ".file") : ApiError.WrongType(pat + ".file", "an object", Json.Kind(part["file"]));
            }
            return FromFields(file, pat + ".file");
        }

        /// <summary>A Responses / Conversations <c>input_file</c> part: file_data + filename, or file_id (file_url is not fetched: offline).</summary>
        public ReceivedFile FromInputFile(JsonObject part, string pat) => FromFields(part, pat);

        private ReceivedFile FromFields(JsonObject fields, string pat)
        {
            string? data = fields["file_data"] is null ? null : Json.OptString(fields, "file_data", pat + ".file_data");
            string? fileId = fields["file_id"] is null ? null : Json.OptString(fields, "file_id", pat + ".file_id");
            string? fileName = fields["filename"] is null ? null : Json.OptString(fields, "filename", pat + ".filename");
            if (fields["file_url"] is not null)
            {
                throw new ApiError(400, $"Error while downloading the file at '{pat}.file_url' (this endpoint is offline).", param: pat + ".file_url", code: "invalid_value");
            }
            if ((data is null) == (fileId is null))
            {
                throw ApiError.Invalid(pat, $"Invalid '{pat}': exactly one of 'file_data' or 'file_id' must be given.", "invalid_value");
            }
            if (fileId is not null)
            {
                if (!_state.Files.TryGetValue(fileId, out StoredFile? stored))
                {
                    throw new ApiError(400, $"Invalid '{pat}.file_id': no such File object: {fileId}.", param: pat + ".file_id", code: "invalid_value");
                }
                if (stored.Purpose is not ("user_data" or "assistants"))
                {
                    throw new ApiError(400, $"Invalid '{pat}.file_id': file {fileId} has purpose '{stored.Purpose}'; files used as model input must be uploaded with purpose 'user_data'.", param: pat + ".file_id", code: "invalid_value");
                }
                return Add("file", stored.Bytes, stored.FileName, fileId, pat + ".file_id");
            }
            if (string.IsNullOrWhiteSpace(fileName))
            {
                throw ApiError.MissingParam(pat + ".filename");
            }
            const string prefix = "data:application/pdf;base64,";
            if (!data!.StartsWith(prefix, StringComparison.Ordinal))
            {
                throw ApiError.Invalid(pat + ".file_data", $"Invalid '{pat}.file_data'. Expected a base64-encoded data URL with MIME type application/pdf (e.g. 'data:application/pdf;base64,JVBERi0...'), but got '{data.Substring(0, Math.Min(30, data.Length))}...'.", "invalid_value");
            }
            string payload = data.Substring(prefix.Length);
            byte[] bytes = new byte[(payload.Length * 3 / 4) + 3];
            if (!Convert.TryFromBase64String(payload, bytes, out int written))
            {
                throw ApiError.Invalid(pat + ".file_data", $"Invalid '{pat}.file_data': invalid base64.", "invalid_base64");
            }
            Array.Resize(ref bytes, written);
            _countInline?.Invoke(data.Length, pat + ".file_data");
            return Add("file_data", bytes, fileName, null, pat + ".file_data");
        }

        private ReceivedFile Add(string source, byte[] bytes, string? fileName, string? fileId, string param)
        {
            if (Files.Sum(f => f.Bytes) + bytes.LongLength > MaxRequestFileBytes)
            {
                throw new ApiError(400, $"Total file size exceeds the maximum of 32 MB per request (at {param}).", param: param, code: "file_too_large");
            }
            if (bytes.Length < 5 || Encoding.ASCII.GetString(bytes, 0, 5) != "%PDF-")
            {
                throw new ApiError(400, $"Invalid file at '{param}': the file is not a PDF (it does not start with %PDF-). Only PDF files are supported as file inputs.", param: param, code: "invalid_file_format");
            }
            int pages;
            try
            {
                // Permissions only (an empty user password) opens as a reader opens it; a user password does not.
                using PdfDocument pdf = PdfDocument.Open(bytes);
                pages = pdf.NumberOfPages;
            }
            catch (UglyToad.PdfPig.Exceptions.PdfDocumentEncryptedException)
            {
                throw new ApiError(400, $"Invalid file at '{param}': the PDF is encrypted.", param: param, code: "invalid_file");
            }
            catch (Exception ex)
            {
                throw new ApiError(400, $"Invalid file at '{param}': the PDF could not be read ({ex.GetType().Name}).", param: param, code: "invalid_file");
            }
            if (Files.Sum(f => f.Pages) + pages > MaxRequestPages)
            {
                throw new ApiError(400, $"Too many PDF pages: at most {MaxRequestPages} pages per request (at {param}).", param: param, code: "too_many_pages");
            }
            var file = new ReceivedFile(source, fileName, fileId, bytes.LongLength, pages, Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant());
            Files.Add(file);
            return file;
        }
    }
}
