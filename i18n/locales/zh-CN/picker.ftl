picker-dialog = 选择表情回应
picker-search = 搜索表情
picker-none = 未找到表情。
