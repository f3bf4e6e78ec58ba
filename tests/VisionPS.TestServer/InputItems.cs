using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;

namespace VisionPS.TestServer
{
    /// <summary>Responses / Conversations input items: messages with input_text, input_image and input_file parts.</summary>
    internal static class InputItems
    {
        internal static List<JsonObject> Read(JsonNode? input, string param, ImageResolver images, List<string> texts, ref string? system, EndpointState state, bool allowOriginal)
        {
            var items = new List<JsonObject>();
            if (input is null)
            {
                throw ApiError.MissingParam(param);
            }
            if (input is JsonValue)
            {
                texts.Add(input.GetValue<string>());
                items.Add(Message(state, "user", new JsonArray(new JsonObject { ["type"] = "input_text", ["text"] = input.GetValue<string>() })));
                return items;
            }
            if (input is not JsonArray list)
            {
                throw ApiError.WrongType(param, "a string or an array", Json.Kind(input));
            }
            for (int i = 0; i < list.Count; i++)
            {
                string at = $"{param}[{i}]";
                if (list[i] is not JsonObject item)
                {
                    throw ApiError.WrongType(at, "an object", Json.Kind(list[i]));
                }
                string type = Json.OptString(item, "type", at + ".type") ?? "message";
                if (type != "message")
                {
                    throw ApiError.Invalid(at + ".type", $"This endpoint takes input items of type 'message' only, not '{type}'.");
                }
                string role = Json.ReqString(item, "role", at + ".role");
                if (role is not ("user" or "assistant" or "system" or "developer"))
                {
                    throw ApiError.Invalid(at + ".role", $"Invalid value: '{role}'. Supported values are: 'user', 'assistant', 'system', and 'developer'.");
                }
                var content = new JsonArray();
                JsonNode? raw = item["content"];
                if (raw is JsonValue)
                {
                    string text = Json.ReqString(item, "content", at + ".content");
                    Collect(role, text, texts, ref system);
                    content.Add(new JsonObject { ["type"] = role == "assistant" ? "output_text" : "input_text", ["text"] = text });
                }
                else if (raw is JsonArray parts)
                {
                    for (int j = 0; j < parts.Count; j++)
                    {
                        string pat = $"{at}.content[{j}]";
                        if (parts[j] is not JsonObject part)
                        {
                            throw ApiError.WrongType(pat, "an object", Json.Kind(parts[j]));
                        }
                        string partType = Json.ReqString(part, "type", pat + ".type");
                        switch (partType)
                        {
                            case "input_text":
                            case "output_text":
                                string text = Json.ReqString(part, "text", pat + ".text");
                                Collect(role, text, texts, ref system);
                                content.Add(new JsonObject { ["type"] = partType, ["text"] = text });
                                break;
                            case "input_image":
                                if (role != "user")
                                {
                                    throw ApiError.Invalid(pat + ".type", $"Invalid '{pat}'. Image inputs are only allowed for messages with role 'user', but this message with role '{role}' contains an image.");
                                }
                                string detail = Json.OptString(part, "detail", pat + ".detail") ?? "auto";
                                if (!ImageResolver.IsDetail(detail, allowOriginal))
                                {
                                    throw ApiError.Invalid(pat + ".detail", $"Invalid value: '{detail}'. Supported values are: 'low', 'high', 'auto'{(allowOriginal ? ", and 'original'" : "")}.");
                                }
                                string? url = part["image_url"] is null ? null : Json.OptString(part, "image_url", pat + ".image_url");
                                string? fileId = part["file_id"] is null ? null : Json.OptString(part, "file_id", pat + ".file_id");
                                if ((url is null) == (fileId is null))
                                {
                                    throw ApiError.Invalid(pat, $"Invalid '{pat}': exactly one of 'image_url' or 'file_id' must be given.", "invalid_value");
                                }
                                ReceivedImage image = url is not null ? images.FromUrl(url, detail, pat + ".image_url") : images.FromFile(fileId!, detail, pat + ".file_id");
                                var stored = new JsonObject { ["type"] = "input_image", ["detail"] = detail, ["file_id"] = fileId, ["image_url"] = url is null ? null : (url.StartsWith("data:", StringComparison.Ordinal) ? "data:...(sha256 " + image.Facts.Sha256 + ")" : url) };
                                content.Add(stored);
                                break;
                            case "input_file":
                                if (role != "user")
                                {
                                    throw ApiError.Invalid(pat + ".type", $"Invalid '{pat}'. File inputs are only allowed for messages with role 'user'.");
                                }
                                ReceivedFile received = images.Files.FromInputFile(part, pat);
                                content.Add(new JsonObject { ["type"] = "input_file", ["file_id"] = received.FileId, ["filename"] = received.FileName, ["file_data"] = received.FileId is null ? "data:...(sha256 " + received.Sha256 + ")" : null });
                                break;
                            default:
                                throw ApiError.Invalid(pat + ".type", $"Invalid value: '{partType}'. Supported values are: 'input_text', 'input_image', 'input_file', and 'output_text'.");
                        }
                    }
                }
                else
                {
                    throw raw is null ? ApiError.MissingParam(at + ".content") : ApiError.WrongType(at + ".content", "a string or an array", Json.Kind(raw));
                }
                items.Add(Message(state, role, content));
            }
            return items;
        }

        internal static JsonObject Message(EndpointState state, string role, JsonArray content) => new JsonObject
        {
            ["type"] = "message",
            ["id"] = state.NewId("msg_"),
            ["status"] = "completed",
            ["role"] = role,
            ["content"] = content,
        };

        private static void Collect(string role, string text, List<string> texts, ref string? system)
        {
            if (role is "system" or "developer")
            {
                system = system is null ? text : system + "\n" + text;
            }
            else if (role == "user")
            {
                texts.Add(text);
            }
        }
    }
}
