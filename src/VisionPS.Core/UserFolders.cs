using System;
using System.IO;

namespace VisionPS.Core
{
    /// <summary>The per-OS folder for the user's own VisionPS configuration files.</summary>
    public static class UserFolders
    {
        /// <summary>
        /// Windows <c>%APPDATA%\VisionPS</c>, macOS <c>~/Library/Application Support/VisionPS</c>, Linux
        /// <c>$XDG_CONFIG_HOME/VisionPS</c> or <c>~/.config/VisionPS</c>.
        /// </summary>
        public static string Config()
        {
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (Path.DirectorySeparatorChar == '\\')
            {
                return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "VisionPS");
            }
            if (Directory.Exists("/System/Library") && Directory.Exists(Path.Combine(home, "Library")))
            {
                return Path.Combine(home, "Library", "Application Support", "VisionPS");
            }
            string? xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
            return Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".config") : xdg!, "VisionPS");
        }
    }
}
