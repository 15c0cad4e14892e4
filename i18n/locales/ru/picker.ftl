picker-dialog = Выберите реакцию
picker-search = Поиск эмодзи
picker-none = Эмодзи не найдены.
