using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using OpenAI.Assistants;
using OpenAI.Chat;
using OpenAI.Responses;

#pragma warning disable OPENAI001

namespace VisionPS.Core.OpenAI
{
    /// <summary>Turns a <see cref="VisionRequest"/> into the SDK's request models (or, where the SDK has none, JSON).</summary>
    internal static class RequestBuilder
    {
        private static readonly ResponseImageDetailLevel s_responseOriginal = new ResponseImageDetailLevel("original");

        internal static (List<ChatMessage> Messages, ChatCompletionOptions Options) BuildChat(VisionRequest request)
        {
            if (request is null)
            {
                throw new ArgumentNullException(nameof(request));
            }
            request.Validate();
            var messages = new List<ChatMessage>();
            if (!string.IsNullOrEmpty(request.SystemPrompt))
            {
                messages.Add(new SystemChatMessage(request.SystemPrompt));
            }
            var parts = new List<ChatMessageContentPart>();
            if (!string.IsNullOrEmpty(request.Prompt))
            {
                parts.Add(ChatMessageContentPart.CreateTextPart(request.Prompt));
            }
            for (int i = 0; i < request.Images.Count; i++)
            {
                VisionImageInput image = request.Images[i];
                if (image.IsDocument)
                {
                    parts.Add(ChatFilePart(image));
                    continue;
                }
                if (image.Detail == ImageDetail.Original)
                {
                    // Chat Completions' image_url.detail is auto, low or high (the spec); original is Responses-only.
                    throw OpenAIRequestException.Refused($"messages[{messages.Count}].content[{parts.Count}].image_url.detail", $"Image {i + 1} asks for detail 'original', which Chat Completions does not take.", Hints.OriginalNeedsResponses);
                }
                ChatImageDetailLevel detail = ChatDetail(image.Detail);
                switch (image.Source)
                {
                    case VisionImageSource.Bytes:
                        parts.Add(ChatMessageContentPart.CreateImagePart(new BinaryData(image.Bytes), image.MimeType, detail));
                        break;
                    case VisionImageSource.Url:
                        parts.Add(ChatMessageContentPart.CreateImagePart(image.Url, detail));
                        break;
                    default:
                        throw OpenAIRequestException.Refused($"messages[{messages.Count}].content[{parts.Count}]", $"Image {i + 1} is the uploaded file '{image.FileId}', which Chat Completions cannot take.", Hints.FileIdInChat);
                }
            }
            messages.Add(new UserChatMessage(parts));
            var options = new ChatCompletionOptions
            {
                MaxOutputTokenCount = request.MaxTokens,
                Temperature = request.Temperature is double t ? (float)t : null,
            };
            if (request.JsonSchema is VisionJsonSchema schema)
            {
                options.ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat(schema.Name, BinaryData.FromString(schema.SchemaJson), null, schema.Strict);
            }
            return (messages, options);
        }

        internal static CreateResponseOptions BuildResponse(VisionRequest request)
        {
            if (request is null)
            {
                throw new ArgumentNullException(nameof(request));
            }
            request.Validate();
            var parts = new List<ResponseContentPart>();
            if (!string.IsNullOrEmpty(request.Prompt))
            {
                parts.Add(ResponseContentPart.CreateInputTextPart(request.Prompt));
            }
            foreach (VisionImageInput image in request.Images)
            {
                parts.Add(ResponseImagePart(image));
            }
            var options = new CreateResponseOptions(request.Model, new[] { ResponseItem.CreateUserMessageItem(parts) })
            {
                Instructions = string.IsNullOrEmpty(request.SystemPrompt) ? null : request.SystemPrompt,
                MaxOutputTokenCount = request.MaxTokens,
                Temperature = request.Temperature is double t ? (float)t : null,
            };
            if (!string.IsNullOrWhiteSpace(request.ConversationId))
            {
                options.ConversationOptions = new ResponseConversationOptions(request.ConversationId);
            }
            if (request.JsonSchema is VisionJsonSchema schema)
            {
                options.TextOptions = new ResponseTextOptions
                {
                    TextFormat = ResponseTextFormat.CreateJsonSchemaFormat(schema.Name, BinaryData.FromString(schema.SchemaJson), null, schema.Strict),
                };
            }
            return options;
        }

        private static ChatMessageContentPart ChatFilePart(VisionImageInput document) => document.Source == VisionImageSource.FileId
            ? ChatMessageContentPart.CreateFilePart(document.FileId!)
            : ChatMessageContentPart.CreateFilePart(new BinaryData(document.Bytes), Documents.PdfLimits.MimeType, document.FileName!);

        private static ResponseContentPart ResponseFilePart(VisionImageInput document) => document.Source == VisionImageSource.FileId
            ? ResponseContentPart.CreateInputFilePart(document.FileId!)
            : ResponseContentPart.CreateInputFilePart(new BinaryData(document.Bytes), Documents.PdfLimits.MimeType, document.FileName!);

        private static ResponseContentPart ResponseImagePart(VisionImageInput image)
        {
            if (image.IsDocument)
            {
                return ResponseFilePart(image);
            }
            ResponseImageDetailLevel detail = ResponseDetail(image.Detail);
            return image.Source switch
            {
                VisionImageSource.Bytes => ResponseContentPart.CreateInputImagePart(new BinaryData(image.Bytes, image.MimeType), detail),
                VisionImageSource.Url => ResponseContentPart.CreateInputImagePart(image.Url!, detail),
                _ => ResponseContentPart.CreateInputImagePart(image.FileId!, detail),
            };
        }

        /// <summary>The body of POST /conversations/{id}/items: one user message (the SDK has no typed model for it).</summary>
        internal static BinaryData BuildConversationItems(string? text, IEnumerable<VisionImageInput>? images)
        {
            var list = images is null ? new List<VisionImageInput>() : new List<VisionImageInput>(images);
            if (string.IsNullOrEmpty(text) && list.Count == 0)
            {
                throw new ArgumentException("A conversation item needs text, an image, or both.");
            }
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteStartArray("items");
                json.WriteStartObject();
                json.WriteString("type", "message");
                json.WriteString("role", "user");
                json.WriteStartArray("content");
                if (!string.IsNullOrEmpty(text))
                {
                    json.WriteStartObject();
                    json.WriteString("type", "input_text");
                    json.WriteString("text", text);
                    json.WriteEndObject();
                }
                foreach (VisionImageInput image in list)
                {
                    json.WriteStartObject();
                    if (image.IsDocument)
                    {
                        json.WriteString("type", "input_file");
                        if (image.Source == VisionImageSource.FileId)
                        {
                            json.WriteString("file_id", image.FileId);
                        }
                        else
                        {
                            json.WriteString("filename", image.FileName);
                            json.WriteString("file_data", DataUrl(image));
                        }
                        json.WriteEndObject();
                        continue;
                    }
                    json.WriteString("type", "input_image");
                    switch (image.Source)
                    {
                        case VisionImageSource.FileId:
                            json.WriteString("file_id", image.FileId);
                            break;
                        case VisionImageSource.Url:
                            json.WriteString("image_url", image.Url!.AbsoluteUri);
                            break;
                        default:
                            json.WriteString("image_url", DataUrl(image));
                            break;
                    }
                    json.WriteString("detail", DetailText(image.Detail));
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
            }
            return BinaryData.FromBytes(buffer.ToArray());
        }

        internal static List<MessageContent> BuildThreadMessage(string threadId, string? text, IEnumerable<VisionImageInput>? images)
        {
            var content = new List<MessageContent>();
            if (!string.IsNullOrEmpty(text))
            {
                content.Add(MessageContent.FromText(text));
            }
            if (images is not null)
            {
                foreach (VisionImageInput image in images)
                {
                    if (image.IsDocument)
                    {
                        throw OpenAIRequestException.Refused($"content[{content.Count}]", $"A PDF cannot go to the legacy thread '{threadId}'; nothing was sent. Use a conversation (conv_...) instead.", Hints.UploadFirst);
                    }
                    MessageImageDetail detail = image.Detail switch
                    {
                        ImageDetail.Low => MessageImageDetail.Low,
                        ImageDetail.High => MessageImageDetail.High,
                        ImageDetail.Auto => MessageImageDetail.Auto,
                        _ => throw new ArgumentException($"Assistants threads know detail low, high and auto, not {image.Detail}."),
                    };
                    switch (image.Source)
                    {
                        case VisionImageSource.FileId:
                            content.Add(MessageContent.FromImageFileId(image.FileId, detail));
                            break;
                        case VisionImageSource.Url:
                            content.Add(MessageContent.FromImageUri(image.Url, detail));
                            break;
                        default:
                            throw OpenAIRequestException.Refused(
                                $"content[{content.Count}].image_url.url",
                                $"An inline image ({image.MimeType}, {image.Bytes.Length} bytes) cannot go to thread '{threadId}' as a data: URL; nothing was sent.",
                                Hints.UploadFirst);
                    }
                }
            }
            if (content.Count == 0)
            {
                throw new ArgumentException("A thread message needs text, an image, or both.");
            }
            return content;
        }

        /// <summary>A multipart/form-data body for POST /files.</summary>
        internal static (BinaryData Body, string ContentType) BuildUpload(ReadOnlyMemory<byte> bytes, string fileName, string purpose, TimeSpan? expiresAfter)
        {
            if (bytes.IsEmpty)
            {
                throw new ArgumentException("The file has no bytes.", nameof(bytes));
            }
            if (string.IsNullOrWhiteSpace(fileName))
            {
                throw new ArgumentException("A file name is required.", nameof(fileName));
            }
            if (string.IsNullOrWhiteSpace(purpose))
            {
                throw new ArgumentException("A purpose (e.g. vision) is required.", nameof(purpose));
            }
            long? seconds = null;
            if (expiresAfter is TimeSpan after)
            {
                // The Files API accepts 1 hour to 30 days after creation.
                if (after < TimeSpan.FromHours(1) || after > TimeSpan.FromDays(30))
                {
                    throw new ArgumentOutOfRangeException(nameof(expiresAfter), after, "A file's expiry must be between 1 hour and 30 days.");
                }
                seconds = (long)after.TotalSeconds;
            }
            string boundary = "VisionPS-" + Guid.NewGuid().ToString("N");
            string safeName = Path.GetFileName(fileName).Replace("\"", "%22").Replace("\r", "").Replace("\n", "");
            var head = new StringBuilder();
            void Field(string name, string value)
            {
                head.Append("--").Append(boundary).Append("\r\n")
                    .Append("Content-Disposition: form-data; name=\"").Append(name).Append("\"\r\n\r\n")
                    .Append(value).Append("\r\n");
            }
            Field("purpose", purpose);
            if (seconds is long s)
            {
                Field("expires_after[anchor]", "created_at");
                Field("expires_after[seconds]", s.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            head.Append("--").Append(boundary).Append("\r\n")
                .Append("Content-Disposition: form-data; name=\"file\"; filename=\"").Append(safeName).Append("\"\r\n")
                .Append("Content-Type: ").Append(Imaging.MimeTypes.FromFileName(safeName)).Append("\r\n\r\n");
            byte[] headBytes = Encoding.UTF8.GetBytes(head.ToString());
            byte[] tailBytes = Encoding.ASCII.GetBytes("\r\n--" + boundary + "--\r\n");
            byte[] body = new byte[headBytes.Length + bytes.Length + tailBytes.Length];
            headBytes.CopyTo(body, 0);
            bytes.Span.CopyTo(body.AsSpan(headBytes.Length));
            tailBytes.CopyTo(body, headBytes.Length + bytes.Length);
            return (BinaryData.FromBytes(body), "multipart/form-data; boundary=" + boundary);
        }

        internal static string DataUrl(VisionImageInput image)
        {
#if NET
            return "data:" + image.MimeType + ";base64," + Convert.ToBase64String(image.Bytes.Span);
#else
            return "data:" + image.MimeType + ";base64," + Convert.ToBase64String(image.Bytes.ToArray());
#endif
        }

        internal static string DetailText(ImageDetail detail) => detail switch
        {
            ImageDetail.Low => "low",
            ImageDetail.High => "high",
            ImageDetail.Original => "original",
            _ => "auto",
        };

        private static ChatImageDetailLevel ChatDetail(ImageDetail detail) => detail switch
        {
            ImageDetail.Low => ChatImageDetailLevel.Low,
            ImageDetail.High => ChatImageDetailLevel.High,
            _ => ChatImageDetailLevel.Auto,
        };

        private static ResponseImageDetailLevel ResponseDetail(ImageDetail detail) => detail switch
        {
            ImageDetail.Low => ResponseImageDetailLevel.Low,
            ImageDetail.High => ResponseImageDetailLevel.High,
            ImageDetail.Original => s_responseOriginal,
            _ => ResponseImageDetailLevel.Auto,
        };
    }
}
