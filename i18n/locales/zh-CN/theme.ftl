theme = 主题
theme-system = 跟随系统
theme-light = 浅色
theme-dark = 深色
theme-change = 切换主题
theme-unknown = 没有这个主题。
