using System;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Responses;
using VisionPS.Core.OpenAI;

#pragma warning disable OPENAI001

namespace VisionPS.Core.Batching
{
    /// <summary>
    /// Reads a batch output or error file (BatchRequestOutput lines): each line's answer as the same
    /// <see cref="ChatAnswer"/> a live request gives, or its failure as an <see cref="OpenAIRequestException"/>; a line
    /// whose answer cannot be read is its request's unreadable-answer error, naming the line. Never throws for a line.
    /// </summary>
    public sealed class BatchOutputReader
    {
        private readonly SecretScrubber _scrubber;

        internal BatchOutputReader(SecretScrubber scrubber)
        {
            _scrubber = scrubber;
        }

        /// <summary>
        /// Reads a batch output or error file (BatchRequestOutput lines): each line's answer as the same
        /// <see cref="ChatAnswer"/> a live request gives, or its failure as an <see cref="OpenAIRequestException"/>.
        /// A line without a readable custom_id is reported through <paramref name="unreadable"/> with its 1-based number.
        /// </summary>
        public IEnumerable<BatchOutcome> Read(BinaryData jsonl, bool json = false, Action<int, string>? unreadable = null)
        {
            if (jsonl is null)
            {
                throw new ArgumentNullException(nameof(jsonl));
            }
            using var reader = new StreamReader(jsonl.ToStream(), Encoding.UTF8);
            int number = 0;
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                number++;
                if (line.Trim().Length == 0)
                {
                    continue;
                }
                BatchOutcome? outcome;
                string? problem;
                try
                {
                    (outcome, problem) = ReadOutputLine(line, number, json);
                }
                catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or ArgumentException)
                {
                    (outcome, problem) = (null, ex.Message);
                }
                if (outcome is not null)
                {
                    yield return outcome;
                }
                else
                {
                    unreadable?.Invoke(number, _scrubber.Scrub(problem ?? "unreadable line"));
                }
            }
        }

        private ChatAnswer ReadAnswer(string raw, bool json)
        {
            BinaryData data = BinaryData.FromString(raw);
            using (JsonDocument doc = JsonDocument.Parse(raw))
            {
                if (doc.RootElement.TryGetProperty("object", out JsonElement kind) && kind.ValueKind == JsonValueKind.String && kind.GetString() == "response")
                {
                    ResponseResult response = ModelReaderWriter.Read<ResponseResult>(data, ModelReaderWriterOptions.Json, OpenAIContext.Default)
                        ?? throw new FormatException("the response body is empty");
                    return _scrubber.Scrub(AnswerReader.FromResponse(response, null, json, TimeSpan.Zero, _scrubber));
                }
            }
            ChatCompletion completion = ModelReaderWriter.Read<ChatCompletion>(data, ModelReaderWriterOptions.Json, OpenAIContext.Default)
                ?? throw new FormatException("the completion body is empty");
            return _scrubber.Scrub(AnswerReader.FromCompletion(completion, json, TimeSpan.Zero, data)); // a service may repeat the key in its answer
        }

        private (BatchOutcome? Outcome, string? Problem) ReadOutputLine(string line, int number, bool json)
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("custom_id", out JsonElement idElement) || idElement.ValueKind != JsonValueKind.String)
            {
                return (null, "the line has no custom_id");
            }
            string customId = idElement.GetString()!;
            if (root.TryGetProperty("response", out JsonElement response) && response.ValueKind == JsonValueKind.Object)
            {
                int status = response.TryGetProperty("status_code", out JsonElement code) ? VisionBatchJob.WholeNumber(code) ?? 0 : 0;
                string? requestId = response.TryGetProperty("request_id", out JsonElement rid) && rid.ValueKind == JsonValueKind.String ? rid.GetString() : null;
                if (!response.TryGetProperty("body", out JsonElement body) || body.ValueKind != JsonValueKind.Object)
                {
                    return (new BatchOutcome(customId, null, OpenAIRequestException.FromResponse(status is >= 200 and < 300 ? 502 : status, null, requestId, _scrubber, null)), null);
                }
                if (status >= 200 && status < 300)
                {
                    string raw = body.GetRawText();
                    try
                    {
                        return (new BatchOutcome(customId, ReadAnswer(raw, json), null), null);
                    }
                    catch (OpenAIRequestException ex)
                    {
                        return (new BatchOutcome(customId, null, ex), null); // read, but not an answer (a response that failed)
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        // The request ran (and was billed); its answer is what cannot be read.
                        return (new BatchOutcome(customId, null, OpenAIRequestException.Unreadable(status, $"line {number} of the batch output: {ex.Message}", raw, requestId, _scrubber, ex)), null);
                    }
                }
                return (new BatchOutcome(customId, null, OpenAIRequestException.FromResponse(status, body.GetRawText(), requestId, _scrubber, null)), null);
            }
            if (root.TryGetProperty("error", out JsonElement error) && error.ValueKind == JsonValueKind.Object)
            {
                // A request the batch could not run at all (expired, cancelled): {code, message} and no response.
                string wrapped = "{\"error\":" + error.GetRawText() + "}";
                return (new BatchOutcome(customId, null, OpenAIRequestException.FromResponse(400, wrapped, null, _scrubber, null)), null);
            }
            return (null, $"the line for '{customId}' has neither a response nor an error");
        }
    }
}
